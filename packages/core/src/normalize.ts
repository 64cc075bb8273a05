import { DC_SLOT_MASK } from "./dc-slots.js";
import { settleIdentifiers } from "./extensions.js";
import { hasRepeatedPeer, peerKey } from "./peers.js";
import type { ChannelPts, PersistedSession } from "./types.js";

/**
 * Collapses entries with the same identity, the last one winning, in first-seen order:
 * DCs by slot, peers by `(kind, id)`, min peers by user id, channel pts by channel id.
 * Backends keyed by identity (SQL, Redis) store what this returns.
 */
export function normalizeSession(session: PersistedSession): PersistedSession {
	const dcs = dedupe(session.dcs, (d) => `${d.dcId}/${d.flags & DC_SLOT_MASK}`);
	// the usual list repeats no peer: checked with number keys, then copied in one pass
	const peers = hasRepeatedPeer(session.peers)
		? dedupe(session.peers, (p) => peerKey(p.kind, p.id))
		: session.peers.map((p) => ({ ...p }));
	const minPeers = dedupe(session.minPeers, (m) => m.userId);
	const channels: ChannelPts[] = dedupe(session.updatesState.channels, (c) => c.channelId);
	if (peers.some((p) => p.meta)) settleIdentifiers(peers);
	const normalized: PersistedSession = {
		homeDcId: session.homeDcId,
		dcs,
		updatesState: { ...session.updatesState, channels },
		peers,
		minPeers,
		futureAuthToken: session.futureAuthToken,
	};
	if (session.extensions?.size) normalized.extensions = new Map(session.extensions);
	return normalized;
}

function dedupe<T extends object, K>(items: readonly T[], key: (item: T) => K): T[] {
	const byKey = new Map<K, T>();
	for (const item of items) {
		const k = key(item);
		if (byKey.has(k)) byKey.delete(k);
		byKey.set(k, { ...item });
	}
	if (byKey.size === items.length) return items.map((i) => ({ ...i }));
	// keep first-seen order of the surviving identities
	const order = new Map<K, number>();
	items.forEach((item, i) => {
		const k = key(item);
		if (!order.has(k)) order.set(k, i);
	});
	return [...byKey.entries()]
		.sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0))
		.map((e) => e[1]);
}
