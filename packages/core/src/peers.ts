import { clonePeer } from "./extensions.js";
import type { CachedMinPeer, CachedPeer, PeerKind, PersistedSession } from "./types.js";

/** Largest id kept as a number key: a number hashes far faster than a bigint in a Map. */
const SAFE_ID = BigInt(Number.MAX_SAFE_INTEGER);

/** A map key for a bare id: a number when exact (every real peer id), else the bigint itself. */
export function idKey(id: bigint): number | bigint {
	return id <= SAFE_ID && id >= -SAFE_ID ? Number(id) : id;
}

/**
 * Whether two peers of `peers` have the same `(kind, id)`. The bare ids as doubles, sorted:
 * no two equal means no repeat (the usual list, several times cheaper than a set of keys);
 * otherwise (the same id under two kinds, or ids beyond 2^53 that round alike) an exact check.
 */
export function hasRepeatedPeer(peers: readonly CachedPeer[]): boolean {
	const ids = new Float64Array(peers.length);
	for (let i = 0; i < peers.length; i++) ids[i] = Number((peers[i] as CachedPeer).id);
	ids.sort();
	let alike = false;
	for (let i = 1; i < ids.length && !alike; i++) alike = ids[i] === ids[i - 1];
	if (!alike) return false;
	const seen = new Set<string>();
	for (const p of peers) {
		const key = peerKey(p.kind, p.id);
		if (seen.has(key)) return true;
		seen.add(key);
	}
	return false;
}

/** A string key for a peer's identity `(kind, id)`. */
export function peerKey(kind: PeerKind, id: bigint): string {
	return `${kind}:${id}`;
}

/**
 * Merges `incoming` into `existing` for the same `(kind, id)`: a zero access hash never
 * replaces a known one (a min sighting must not erase a usable hash), an unknown
 * channel kind never replaces a known one, and metadata, when `incoming` has any, replaces
 * the stored metadata whole.
 */
export function mergePeer(existing: CachedPeer | undefined, incoming: CachedPeer): CachedPeer {
	return existing ? mergeOwnedPeer(existing, clonePeer(incoming)) : clonePeer(incoming);
}

/** {@link mergePeer} with an `incoming` copy the caller gives up (its metadata is kept as is). */
export function mergeOwnedPeer(existing: CachedPeer, incoming: CachedPeer): CachedPeer {
	const merged: CachedPeer = {
		kind: incoming.kind,
		id: incoming.id,
		accessHash: incoming.accessHash !== 0n ? incoming.accessHash : existing.accessHash,
		channelKind: incoming.channelKind ?? existing.channelKind,
	};
	// the stored metadata is never changed in place, so keeping it needs no copy
	const meta = incoming.meta ?? existing.meta;
	if (meta) merged.meta = meta;
	return merged;
}

/** Finds a cached peer by `(kind, id)`. */
export function findPeer(
	session: PersistedSession,
	kind: PeerKind,
	id: bigint,
): CachedPeer | undefined {
	return session.peers.find((p) => p.kind === kind && p.id === id);
}

/** Replaces the min-peer context of the same user or appends it. Mutates `session`. */
export function upsertMinPeer(session: PersistedSession, minPeer: CachedMinPeer): void {
	const i = session.minPeers.findIndex((m) => m.userId === minPeer.userId);
	if (i >= 0) session.minPeers[i] = { ...minPeer };
	else session.minPeers.push({ ...minPeer });
}
