import { peerMetaEqual } from "./extensions.js";
import type { SecretBytes } from "./secret.js";
import { cloneSession } from "./session.js";
import type {
	CachedMinPeer,
	CachedPeer,
	DcEntry,
	PersistedSession,
	UpdatesState,
} from "./types.js";

/**
 * A copy with every list sorted by identity, for comparing sessions whose backends do not
 * keep entry order (the reference's own order is not deterministic either).
 */
export function canonicalSession(session: PersistedSession): PersistedSession {
	const s = cloneSession(session);
	const big = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
	s.dcs.sort(
		(a, b) =>
			a.dcId - b.dcId || a.flags - b.flags || (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0),
	);
	s.peers.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : big(a.id, b.id)));
	s.minPeers.sort((a, b) => big(a.userId, b.userId));
	s.updatesState.channels.sort((a, b) => big(a.channelId, b.channelId));
	return s;
}

/** Deep equality; with `ordered: false` (the default) list order is ignored. */
export function sessionsEqual(
	a: PersistedSession,
	b: PersistedSession,
	options: { ordered?: boolean } = {},
): boolean {
	const [x, y] = options.ordered ? [a, b] : [canonicalSession(a), canonicalSession(b)];
	if (x.homeDcId !== y.homeDcId || !secretsEqual(x.futureAuthToken, y.futureAuthToken))
		return false;
	if (!statesEqual(x.updatesState, y.updatesState)) return false;
	if (x.dcs.length !== y.dcs.length || x.peers.length !== y.peers.length) return false;
	if (x.minPeers.length !== y.minPeers.length) return false;
	for (let i = 0; i < x.dcs.length; i++) {
		const d = x.dcs[i] as DcEntry;
		const e = y.dcs[i] as DcEntry;
		if (d.dcId !== e.dcId || d.addr !== e.addr || d.firstSalt !== e.firstSalt) return false;
		if (d.timeOffset !== e.timeOffset || d.flags !== e.flags || !secretsEqual(d.authKey, e.authKey))
			return false;
	}
	for (let i = 0; i < x.peers.length; i++) {
		const p = x.peers[i] as CachedPeer;
		const q = y.peers[i] as CachedPeer;
		if (
			p.kind !== q.kind ||
			p.id !== q.id ||
			p.accessHash !== q.accessHash ||
			p.channelKind !== q.channelKind ||
			!peerMetaEqual(p.meta, q.meta)
		)
			return false;
	}
	if (!extensionsEqual(x.extensions, y.extensions)) return false;
	for (let i = 0; i < x.minPeers.length; i++) {
		const m = x.minPeers[i] as CachedMinPeer;
		const n = y.minPeers[i] as CachedMinPeer;
		if (m.userId !== n.userId || m.peerId !== n.peerId || m.msgId !== n.msgId) return false;
	}
	return true;
}

function statesEqual(a: UpdatesState, b: UpdatesState): boolean {
	if (a.pts !== b.pts || a.qts !== b.qts || a.date !== b.date || a.seq !== b.seq) return false;
	if (a.channels.length !== b.channels.length) return false;
	return a.channels.every(
		(c, i) => c.channelId === b.channels[i]?.channelId && c.pts === b.channels[i]?.pts,
	);
}

function extensionsEqual(
	a: Map<string, SecretBytes> | undefined,
	b: Map<string, SecretBytes> | undefined,
): boolean {
	if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
	for (const [key, value] of a ?? []) {
		const other = b?.get(key);
		if (!other || !value.equals(other)) return false;
	}
	return true;
}

function secretsEqual(a: SecretBytes | null, b: SecretBytes | null): boolean {
	if (a === null || b === null) return a === b;
	return a.equals(b);
}
