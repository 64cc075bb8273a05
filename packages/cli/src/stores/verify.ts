import { normalizeSession, type PersistedSession, sessionsEqual } from "@x/session-core";
import { CliError, EXIT } from "../errors.js";

/**
 * Checks that what a target returned equals what was written: exactly, or after collapsing
 * duplicate identities (stores keyed by identity keep one DC per slot, one peer per (kind, id)).
 */
export function checkReadBack(
	written: PersistedSession,
	readBack: PersistedSession,
	where: string,
): void {
	if (sessionsEqual(written, readBack)) return;
	if (sessionsEqual(normalizeSession(written), readBack)) return;
	throw new CliError(
		EXIT.FAILURE,
		`verification failed: the session read back from ${where} differs from the source (${differences(normalizeSession(written), readBack)})`,
	);
}

/** Names the parts of two sessions that differ, without values that could be secret. */
export function differences(a: PersistedSession, b: PersistedSession): string {
	const out: string[] = [];
	if (a.homeDcId !== b.homeDcId) out.push("home DC");
	if (a.dcs.length !== b.dcs.length) out.push(`DC count ${a.dcs.length} vs ${b.dcs.length}`);
	if (a.peers.length !== b.peers.length)
		out.push(`peer count ${a.peers.length} vs ${b.peers.length}`);
	if (a.minPeers.length !== b.minPeers.length)
		out.push(`min peer count ${a.minPeers.length} vs ${b.minPeers.length}`);
	const sa = a.updatesState;
	const sb = b.updatesState;
	if (sa.pts !== sb.pts || sa.qts !== sb.qts || sa.date !== sb.date || sa.seq !== sb.seq)
		out.push("update state");
	if (sa.channels.length !== sb.channels.length) out.push("channel pts count");
	if ((a.futureAuthToken === null) !== (b.futureAuthToken === null)) out.push("future auth token");
	return out.length ? out.join(", ") : "entry contents";
}
