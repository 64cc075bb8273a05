import { clonePeer } from "./extensions.js";
import type { CachedMinPeer, CachedPeer, PeerKind, PersistedSession } from "./types.js";

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
