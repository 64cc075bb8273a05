import { DcFlags, type PersistedSession, type SecretBytes } from "@x/session-core";

type Convert = typeof import("@x/session-convert");
type TdataRead = { session: PersistedSession; extra: { testMode: boolean; userId: bigint } };

/**
 * Whether a tdata folder read back holds what was written: the home DC, exactly the keys Desktop
 * keeps (the first main entry with a key of each DC), each under its DC, the same test flag, and
 * the user id asked for. An empty or partial read-back, or a test account turned production,
 * does not match.
 */
export function tdataReadBackMatches(
	c: Pick<Convert, "TDATA_EXTENSION_KEYS">,
	written: PersistedSession,
	back: TdataRead,
	userId: bigint | undefined,
): boolean {
	const sent = keysByDc(written);
	const got = keysByDc(back.session);
	if (sent.size === 0 || got.size !== sent.size) return false;
	for (const [dcId, key] of sent) if (!got.get(dcId)?.equals(key)) return false;
	return (
		back.session.homeDcId === written.homeDcId &&
		back.extra.testMode === isTestAccount(c, written) &&
		(userId === undefined || back.extra.userId === userId)
	);
}

function keysByDc(session: PersistedSession): Map<number, SecretBytes> {
	const keys = new Map<number, SecretBytes>();
	for (const d of session.dcs)
		if (d.authKey && (d.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)) === 0 && !keys.has(d.dcId))
			keys.set(d.dcId, d.authKey);
	return keys;
}

/** The session's `tdata:test-mode` value (MTKruto strings and tdata folders set it): 1 is test. */
export function isTestAccount(
	c: Pick<Convert, "TDATA_EXTENSION_KEYS">,
	session: PersistedSession,
): boolean {
	return session.extensions?.get(c.TDATA_EXTENSION_KEYS.testMode)?.expose()[0] === 1;
}
