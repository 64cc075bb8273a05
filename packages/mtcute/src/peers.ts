import { type CachedPeer, normalizePhone, normalizeUsername, type PeerMeta } from "@x/session-core";
import { packPeerData, unpackPeerData } from "./codec.js";
import { fastStringOfHash, hashOfFastString, markedIdOf, peerOfMarkedId } from "./ids.js";

/** mtcute's `IPeersRepository.PeerInfo`. */
export interface PeerInfo {
	/** Marked id: users as is, chats negated, channels -(1e12 + id). */
	id: number;
	/** `"low|high"` of the 64-bit hash; `""` for basic chats. */
	accessHash: string;
	isMin: boolean;
	usernames: string[];
	/** Unix milliseconds, although mtcute's type says seconds. */
	updated: number;
	phone?: string;
	/** mtcute's TL serialization of the user or chat. */
	complete: Uint8Array;
}

const USERNAME = /^[^\s\x00-\x1f\x7f]{1,255}$/;

/**
 * The typed peer for `info`: bare id and kind from the marked id, the hash (0 for a min peer,
 * whose hash other readers must not use; a known hash is then kept), and everything else as
 * metadata. `null` for an id that marks no peer.
 */
export function cachedPeerOf(info: PeerInfo): CachedPeer | null {
	const ref = peerOfMarkedId(info.id);
	if (!ref) return null;
	const hash = ref.kind === "chat" ? 0n : (hashOfFastString(String(info.accessHash)) ?? 0n);
	const isMin = info.isMin === true; // mtcute leaves it undefined on objects without the flag
	const updated = Number(info.updated);
	const phone = typeof info.phone === "string" ? normalizePhone(info.phone) : "";
	const meta: PeerMeta = {
		// the store refuses what it cannot keep; such a username is dropped rather than the batch
		usernames: (info.usernames ?? [])
			.map((u) => normalizeUsername(String(u)))
			.filter((u) => USERNAME.test(u)),
		phone: phone.length > 0 && phone.length <= 32 ? phone : null,
		name: null,
		updatedAt: updated > 0 ? Math.min(Math.floor(updated), Number.MAX_SAFE_INTEGER) : 0,
		isMin,
		data: packPeerData(hash, info.complete ?? new Uint8Array(0)),
	};
	return { kind: ref.kind, id: ref.id, accessHash: isMin ? 0n : hash, channelKind: null, meta };
}

/** mtcute's view of a typed peer, or `null` when mtcute did not write it (no `complete` to give). */
export function peerInfoOf(peer: CachedPeer): PeerInfo | null {
	const data = unpackPeerData(peer.meta?.data ?? null);
	if (!data || !peer.meta) return null;
	const info: PeerInfo = {
		id: markedIdOf(peer.kind, peer.id),
		accessHash: peer.kind === "chat" ? "" : fastStringOfHash(data.hash),
		isMin: peer.meta.isMin,
		usernames: [...peer.meta.usernames],
		updated: peer.meta.updatedAt,
		complete: data.complete,
	};
	if (peer.meta.phone !== null) info.phone = peer.meta.phone;
	return info;
}

/** Every peer in memory, with username and phone indexes (for backends without native lookups). */
export class ResidentPeers {
	readonly #byId = new Map<number, PeerInfo>();
	readonly #byUsername = new Map<string, number>();
	readonly #byPhone = new Map<string, number>();

	get size(): number {
		return this.#byId.size;
	}

	/** Stores `info`; its usernames and phone move to it from any other peer. */
	put(info: PeerInfo): void {
		this.#unindex(info.id);
		this.#byId.set(info.id, info);
		for (const u of info.usernames) this.#byUsername.set(normalizeUsername(u), info.id);
		const phone = info.phone && normalizePhone(info.phone);
		if (phone) this.#byPhone.set(phone, info.id);
	}

	byId(id: number): PeerInfo | null {
		return this.#byId.get(id) ?? null;
	}

	byUsername(username: string): PeerInfo | null {
		const id = this.#byUsername.get(normalizeUsername(username));
		return id === undefined ? null : this.byId(id);
	}

	byPhone(phone: string): PeerInfo | null {
		const id = this.#byPhone.get(normalizePhone(phone));
		return id === undefined ? null : this.byId(id);
	}

	clear(): void {
		this.#byId.clear();
		this.#byUsername.clear();
		this.#byPhone.clear();
	}

	#unindex(id: number): void {
		const old = this.#byId.get(id);
		if (!old) return;
		for (const u of old.usernames) {
			const n = normalizeUsername(u);
			if (this.#byUsername.get(n) === id) this.#byUsername.delete(n);
		}
		const phone = old.phone && normalizePhone(old.phone);
		if (phone && this.#byPhone.get(phone) === id) this.#byPhone.delete(phone);
	}
}
