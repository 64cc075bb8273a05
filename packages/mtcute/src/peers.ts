import type { CachedPeer, PeerMeta } from "@x/session-core";
import { normalizePhone, normalizeUsername } from "@x/session-core/backend";
import {
	isPeerData,
	PeerDataPacker,
	packPeerData,
	packPeerDataHalves,
	peerDataHashString,
} from "./codec.js";
import { int64Of, markedIdOf, peerOfMarkedId, readFastString } from "./ids.js";

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
/** A username already in stored form and valid: kept as given, no rewriting or checking. */
const STORED_USERNAME = /^[a-z0-9_]{1,64}$/;
/** A phone already in stored form and short enough. */
const STORED_PHONE = /^\d{1,32}$/;
const NO_BYTES = new Uint8Array(0);
/** The access hash being converted, as its signed 32-bit halves (low, high). */
const HASH = new Int32Array(2);

/**
 * The typed peer for `info`: bare id and kind from the marked id, the hash (0 for a min peer,
 * whose hash other readers must not use; a known hash is then kept), and everything else as
 * metadata. `null` for an id that marks no peer.
 */
export function cachedPeerOf(info: PeerInfo): CachedPeer | null {
	return typedPeer(info, null);
}

/**
 * {@link cachedPeerOf} for a batch, without the peers that have no typed form. Their `meta.data`
 * are views into shared blocks (see {@link PeerDataPacker}): for a batch the backend copies.
 */
export function cachedPeersOf(infos: Iterable<PeerInfo>): CachedPeer[] {
	const packer = new PeerDataPacker();
	const out: CachedPeer[] = [];
	for (const info of infos) {
		const peer = typedPeer(info, packer);
		if (peer) out.push(peer);
	}
	return out;
}

function typedPeer(info: PeerInfo, packer: PeerDataPacker | null): CachedPeer | null {
	const ref = peerOfMarkedId(info.id);
	if (!ref) return null;
	// a chat has no hash; a string that is no hash counts as 0
	const known = ref.kind !== "chat" && readFastString(String(info.accessHash), HASH);
	const low = known ? (HASH[0] as number) : 0;
	const high = known ? (HASH[1] as number) : 0;
	const isMin = info.isMin === true; // mtcute leaves it undefined on objects without the flag
	const updated = Number(info.updated);
	const complete = info.complete ?? NO_BYTES;
	const meta: PeerMeta = {
		usernames: storedUsernames(info.usernames ?? []),
		phone: storedPhone(info.phone),
		name: null,
		updatedAt: updated > 0 ? Math.min(Math.floor(updated), Number.MAX_SAFE_INTEGER) : 0,
		isMin,
		data:
			complete instanceof Uint8Array
				? packer
					? packer.pack(low, high, complete)
					: packPeerDataHalves(low, high, complete)
				: packPeerData(known ? int64Of(low, high) : 0n, complete),
	};
	const accessHash = isMin || !known ? 0n : int64Of(low, high);
	return { kind: ref.kind, id: ref.id, accessHash, channelKind: null, meta };
}

/** The usernames the store can keep, in stored form; the store refuses the rest, so they are dropped rather than the batch. */
function storedUsernames(usernames: readonly string[]): string[] {
	const out: string[] = [];
	for (const u of usernames) {
		const text = String(u);
		if (STORED_USERNAME.test(text)) out.push(text);
		else {
			const n = normalizeUsername(text);
			if (USERNAME.test(n)) out.push(n);
		}
	}
	return out;
}

/** The phone in stored form, or `null` when there is none the store can keep. */
function storedPhone(phone: unknown): string | null {
	if (typeof phone !== "string") return null;
	if (STORED_PHONE.test(phone)) return phone;
	const digits = normalizePhone(phone);
	return digits.length > 0 && digits.length <= 32 ? digits : null;
}

/**
 * mtcute's view of a typed peer, or `null` when mtcute did not write it (no `complete` to give).
 * `complete` is a view into `meta.data`, which backends hand out as a copy of their own.
 */
export function peerInfoOf(peer: CachedPeer): PeerInfo | null {
	const meta = peer.meta;
	const data = meta?.data;
	if (!meta || !isPeerData(data)) return null;
	const info: PeerInfo = {
		id: markedIdOf(peer.kind, peer.id),
		accessHash: peer.kind === "chat" ? "" : peerDataHashString(data),
		isMin: meta.isMin,
		usernames: [...meta.usernames],
		updated: meta.updatedAt,
		complete: data.subarray(9),
	};
	if (meta.phone !== null) info.phone = meta.phone;
	return info;
}

/** `normalizeUsername(u)`, without its work for a username already in that form. */
function usernameKey(u: string): string {
	return typeof u === "string" && STORED_USERNAME.test(u) ? u : normalizeUsername(u);
}

/** `normalizePhone(p)`, without its work for digits alone. */
function phoneKey(p: string): string {
	return typeof p === "string" && STORED_PHONE.test(p) ? p : normalizePhone(p);
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
		for (const u of info.usernames) this.#byUsername.set(usernameKey(u), info.id);
		const phone = info.phone && phoneKey(info.phone);
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
			const n = usernameKey(u);
			if (this.#byUsername.get(n) === id) this.#byUsername.delete(n);
		}
		const phone = old.phone && phoneKey(old.phone);
		if (phone && this.#byPhone.get(phone) === id) this.#byPhone.delete(phone);
	}
}
