// A tdata account as an x-session: the MTP authorization's keys become DC entries; the user id and
// the test-mode flag, which the model has no field for, are kept as extension values under
// `tdata:` so they survive conversion to any backend that stores extensions and back.
import {
	type DcEntry,
	DcFlags,
	emptySession,
	type PersistedSession,
	SecretBytes,
} from "@x/session-core";
import { Reader } from "../bytes.js";
import { corrupt, invalid } from "../errors.js";
import { wellKnownDcAddress } from "./dc-addresses.js";
import type { TdataAuthKey, TdataMtpAuthorization } from "./mtp-authorization.js";

/** Extension keys where a tdata account's user id and environment are kept. */
export const TDATA_EXTENSION_KEYS = {
	/** The user id, 8 bytes big-endian unsigned. */
	userId: "tdata:user-id",
	/** 1 for Telegram's test environment, 0 for production. */
	testMode: "tdata:test-mode",
} as const;

/** Builds the session of one account. */
export function authorizationToSession(
	auth: TdataMtpAuthorization,
	testMode: boolean,
	what: string,
): PersistedSession {
	const session = emptySession();
	session.homeDcId = auth.mainDcId;
	const seen = new Set<number>();
	for (const { dcId, key } of auth.authKeys) {
		if (seen.has(dcId)) throw corrupt(`${what}: DC ${dcId} has two auth keys`);
		seen.add(dcId);
		const entry: DcEntry = {
			dcId,
			addr: wellKnownDcAddress(dcId, testMode, what),
			authKey: key,
			firstSalt: 0n,
			timeOffset: 0,
			flags: DcFlags.NONE,
		};
		session.dcs.push(entry);
	}
	if (!seen.has(auth.mainDcId))
		throw corrupt(`${what}: the main DC ${auth.mainDcId} has no auth key`);
	const userId = new Uint8Array(8);
	new DataView(userId.buffer).setBigUint64(0, auth.userId, false);
	session.extensions = new Map([
		[TDATA_EXTENSION_KEYS.userId, new SecretBytes(userId)],
		[TDATA_EXTENSION_KEYS.testMode, new SecretBytes(new Uint8Array([testMode ? 1 : 0]))],
	]);
	return session;
}

/** The user id and test flag a session carries under {@link TDATA_EXTENSION_KEYS}, if any. */
export function tdataFactsOf(session: PersistedSession): {
	userId: bigint | undefined;
	testMode: boolean | undefined;
} {
	const read = (key: string) => session.extensions?.get(key)?.expose();
	const user = read(TDATA_EXTENSION_KEYS.userId);
	const test = read(TDATA_EXTENSION_KEYS.testMode);
	return {
		userId: user ? new Reader(user, TDATA_EXTENSION_KEYS.userId).u64be("user id") : undefined,
		testMode: test ? test[0] === 1 : undefined,
	};
}

/**
 * The keys a session can give Desktop: one per DC (main entries, not media-only or CDN, with a
 * key; the first such entry of a DC), the home DC first. Throws when the home DC has none.
 */
export function sessionAuthKeys(session: PersistedSession): TdataAuthKey[] {
	const keys: TdataAuthKey[] = [];
	for (const d of session.dcs) {
		if (!d.authKey || (d.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)) !== 0) continue;
		if (keys.some((k) => k.dcId === d.dcId)) continue;
		if (d.authKey.length !== 256) throw invalid(`DC ${d.dcId} auth key is not 256 bytes`);
		if (d.dcId < 1 || d.dcId > 0x7fffffff) throw invalid(`DC id ${d.dcId} cannot be written`);
		keys.push({ dcId: d.dcId, key: d.authKey });
	}
	const home = keys.findIndex((k) => k.dcId === session.homeDcId);
	if (home < 0)
		throw invalid(
			`a tdata account needs an auth key: DC ${session.homeDcId} has no main entry with a key`,
		);
	keys.unshift(...keys.splice(home, 1));
	return keys;
}
