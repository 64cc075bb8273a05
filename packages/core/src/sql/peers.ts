import { mergePeer } from "../peers.js";
import type { CachedPeer } from "../types.js";
import { PEER_KINDS } from "./rows.js";

/**
 * The merge rules of `xs_peers`, as an upsert: a zero hash never replaces a known one, an unknown
 * channel kind never replaces a known one, and an unchanged row is not rewritten.
 */
export const UPSERT_PEER = `INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (session_id, kind, id) DO UPDATE SET
		access_hash = CASE WHEN excluded.access_hash = 0 THEN xs_peers.access_hash ELSE excluded.access_hash END,
		channel_kind = COALESCE(excluded.channel_kind, xs_peers.channel_kind)
	WHERE (excluded.access_hash <> 0 AND excluded.access_hash <> xs_peers.access_hash)
		OR (excluded.channel_kind IS NOT NULL AND excluded.channel_kind IS DISTINCT FROM xs_peers.channel_kind)`;

/** The `ON CONFLICT …` clause of {@link UPSERT_PEER}, for a dialect's own `INSERT` of many rows. */
export const PEER_CONFLICT = UPSERT_PEER.slice(UPSERT_PEER.indexOf("ON CONFLICT"));

/**
 * The batch with repeats merged by the merge rules, so one statement never touches a row twice.
 * The peers are the caller's prepared copies (their kinds checked): one seen once is used as it
 * is, and a batch without repeats is returned as it is.
 */
export function mergedBatch(peers: readonly CachedPeer[]): readonly CachedPeer[] {
	// the usual batch has no repeats: one set operation per peer finds that out
	const seen = PEER_KINDS.map(() => new Set<bigint>());
	for (const p of peers) {
		const ids = seen[PEER_KINDS.indexOf(p.kind)] as Set<bigint>;
		const size = ids.size;
		ids.add(p.id);
		if (ids.size === size) return mergedRepeats(peers);
	}
	return peers;
}

/** {@link mergedBatch} of a batch with repeats: each merged into its first position. */
function mergedRepeats(peers: readonly CachedPeer[]): CachedPeer[] {
	const byKind = PEER_KINDS.map(() => new Map<bigint, number>());
	const out: CachedPeer[] = [];
	for (const p of peers) {
		const ids = byKind[PEER_KINDS.indexOf(p.kind)] as Map<bigint, number>;
		const at = ids.get(p.id);
		if (at === undefined) {
			ids.set(p.id, out.length);
			out.push(p);
		} else out[at] = mergePeer(out[at], p);
	}
	return out;
}
