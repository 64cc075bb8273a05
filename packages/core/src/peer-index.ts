import { clonePeer, IdentifierOwners, normalizePhone, normalizeUsername } from "./extensions.js";
import { idKey, mergeOwnedPeer } from "./peers.js";
import type { CachedPeer, PeerKind, PersistedSession } from "./types.js";

/**
 * Caches peers, matching on `(kind, id)` and merging with {@link mergePeer}; usernames and
 * phones the batch claims are taken from any other peer. Mutates `session`.
 */
export function upsertPeers(session: PersistedSession, peers: readonly CachedPeer[]): void {
	upsertPreparedPeers(session, peers.map(clonePeer));
}

/**
 * Where each peer of a session's peer list is, and who owns each username and phone, kept from
 * one batch to the next so a small batch into a large session costs the batch, not the session.
 * Valid for one array, changed only through {@link upsertPreparedPeers}.
 */
export class PeerIndex {
	readonly peers: CachedPeer[];
	/** Position of each peer, by kind then bare id (a kind added on first use). */
	readonly #at = new Map<PeerKind, Map<number | bigint, number>>();
	#owners: IdentifierOwners | undefined;

	constructor(peers: CachedPeer[]) {
		this.peers = peers;
		for (let i = 0; i < peers.length; i++) {
			const p = peers[i] as CachedPeer;
			const at = this.#ids(p.kind);
			const key = idKey(p.id);
			if (!at.has(key)) at.set(key, i);
		}
	}

	#ids(kind: PeerKind): Map<number | bigint, number> {
		let ids = this.#at.get(kind);
		if (!ids) {
			ids = new Map();
			this.#at.set(kind, ids);
		}
		return ids;
	}

	/** The index for `session`'s peer list: `known` when it is for that same array. */
	static of(session: PersistedSession, known: PeerIndex | undefined): PeerIndex {
		return known?.peers === session.peers ? known : new PeerIndex(session.peers);
	}

	/** The first peer of `(kind, id)`, as {@link findPeer} finds it. */
	peer(kind: PeerKind, id: bigint): CachedPeer | undefined {
		// only a bigint names a peer (as a scan's ===): a number must not find one by its key
		if (typeof id !== "bigint") return undefined;
		const i = this.#at.get(kind)?.get(idKey(id));
		return i === undefined ? undefined : this.peers[i];
	}

	/** The peer that owns `username` (any case, `@` optional), as {@link findPeerByUsernameIn}. */
	byUsername(username: string): CachedPeer | undefined {
		const n = normalizeUsername(username);
		if (n.length === 0) return undefined;
		const owners = this.#ownersIndex();
		if (owners.shared) return this.peers.find((p) => p.meta?.usernames.includes(n));
		const i = owners.ownerOfUsername(n);
		return i === undefined ? undefined : this.peers[i];
	}

	/** The peer whose phone is `phone` (compared as digits), as {@link findPeerByPhoneIn}. */
	byPhone(phone: string): CachedPeer | undefined {
		const n = normalizePhone(phone);
		if (n.length === 0) return undefined;
		const owners = this.#ownersIndex();
		if (owners.shared) return this.peers.find((p) => p.meta?.phone === n);
		const i = owners.ownerOfPhone(n);
		return i === undefined ? undefined : this.peers[i];
	}

	#ownersIndex(): IdentifierOwners {
		this.#owners ??= new IdentifierOwners(this.peers);
		return this.#owners;
	}

	/** Puts `peer` (a copy the caller gives up) in the list, merged, and claims its identifiers. */
	upsert(peer: CachedPeer): void {
		const at = this.#ids(peer.kind);
		const key = idKey(peer.id);
		let i = at.get(key);
		if (i === undefined) {
			i = this.peers.length;
			at.set(key, i);
			this.peers.push(peer);
		} else {
			this.peers[i] = mergeOwnedPeer(this.peers[i] as CachedPeer, peer);
		}
		// claimed at once, so a batch means the same as its peers cached one by one
		if (peer.meta) {
			this.#owners ??= new IdentifierOwners(this.peers, new Set([i]));
			this.#owners.claim(i);
		}
	}
}

/**
 * {@link upsertPeers} for copies the caller gives up (prepared by a backend), with an index
 * kept between calls (see {@link PeerIndex}).
 */
export function upsertPreparedPeers(
	session: PersistedSession,
	peers: readonly CachedPeer[],
	index?: PeerIndex,
): void {
	if (peers.length === 0) return;
	const at = PeerIndex.of(session, index);
	for (const peer of peers) at.upsert(peer);
}
