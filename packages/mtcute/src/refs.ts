import type { CachedMinPeer } from "@x/session-core";
import { packRefs, type RefMessage, unpackRefs } from "./codec.js";

/** Reference messages are kept in this many extension values, by peer id. */
export const REF_BUCKETS = 16;

export function bucketOf(peerId: number): number {
	return ((peerId % REF_BUCKETS) + REF_BUCKETS) % REF_BUCKETS;
}

/**
 * mtcute's reference messages, all in memory (a few bytes each): many per peer, for users and
 * channels, with an index by chat for `delete(chatId, msgIds)`. Changes mark their bucket dirty.
 */
export class RefMessages {
	readonly #byPeer = new Map<number, Map<string, RefMessage>>();
	readonly #byChat = new Map<number, Set<number>>();
	readonly dirtyBuckets = new Set<number>();
	/** Users whose newest reference changed (mirrored as typed min-peer contexts). */
	readonly dirtyUsers = new Set<number>();

	/** Loads one stored bucket. */
	loadBucket(data: Uint8Array): void {
		for (const ref of unpackRefs(data)) this.#add(ref);
	}

	store(peerId: number, chatId: number, msgId: number): void {
		this.#add([peerId, chatId, msgId]);
		this.#touch(peerId);
	}

	/** The newest reference for `peerId` as `[chatId, msgId]`. */
	getByPeer(peerId: number): [number, number] | null {
		let best: RefMessage | undefined;
		for (const ref of this.#byPeer.get(peerId)?.values() ?? [])
			if (!best || ref[2] > best[2]) best = ref;
		return best ? [best[1], best[2]] : null;
	}

	delete(chatId: number, msgIds: readonly number[]): void {
		const peers = this.#byChat.get(chatId);
		if (!peers) return;
		const ids = new Set(msgIds);
		for (const peerId of [...peers]) {
			const refs = this.#byPeer.get(peerId);
			if (!refs) continue;
			for (const [k, ref] of refs) if (ref[1] === chatId && ids.has(ref[2])) refs.delete(k);
			this.#unlink(peerId, chatId, refs);
			this.#touch(peerId);
		}
	}

	deleteByPeer(peerId: number): void {
		const refs = this.#byPeer.get(peerId);
		if (!refs) return; // the hot path: mtcute calls this after storing any peer
		const chats = new Set([...refs.values()].map((r) => r[1]));
		refs.clear();
		for (const chatId of chats) this.#unlink(peerId, chatId, refs);
		this.#touch(peerId);
	}

	deleteAll(): void {
		for (const peerId of this.#byPeer.keys()) this.#touch(peerId);
		for (let b = 0; b < REF_BUCKETS; b++) this.dirtyBuckets.add(b);
		this.#byPeer.clear();
		this.#byChat.clear();
	}

	/** The bucket's value to store, or `null` when it is empty. */
	bucket(b: number): Uint8Array | null {
		const refs: RefMessage[] = [];
		for (const [peerId, map] of this.#byPeer)
			if (bucketOf(peerId) === b) refs.push(...map.values());
		return refs.length > 0 ? packRefs(refs) : null;
	}

	/** The typed min-peer context of a user: its newest reference, or `null`. */
	minPeerOf(userId: number): CachedMinPeer | null {
		const ref = this.getByPeer(userId);
		return ref ? { userId: BigInt(userId), peerId: BigInt(ref[0]), msgId: ref[1] } : null;
	}

	#add(ref: RefMessage): void {
		const [peerId, chatId, msgId] = ref;
		const refs = this.#byPeer.get(peerId) ?? new Map<string, RefMessage>();
		this.#byPeer.set(peerId, refs);
		refs.set(`${chatId}:${msgId}`, ref);
		const peers = this.#byChat.get(chatId) ?? new Set<number>();
		this.#byChat.set(chatId, peers);
		peers.add(peerId);
	}

	/** Drops the chat-index link when no reference of the peer is in that chat any more. */
	#unlink(peerId: number, chatId: number, refs: Map<string, RefMessage>): void {
		if (refs.size === 0) this.#byPeer.delete(peerId);
		for (const ref of refs.values()) if (ref[1] === chatId) return;
		const peers = this.#byChat.get(chatId);
		peers?.delete(peerId);
		if (peers?.size === 0) this.#byChat.delete(chatId);
	}

	#touch(peerId: number): void {
		this.dirtyBuckets.add(bucketOf(peerId));
		if (peerId > 0) this.dirtyUsers.add(peerId);
	}
}
