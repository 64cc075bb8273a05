import type { CachedPeer } from "@x/session-core";
import { corrupt } from "./errors.js";

/** Telethon and Pyrogram mark channel ids as `-(10^12 + id)` (Bot API style). */
export const CHANNEL_MARK = 1_000_000_000_000n;
const I64_MAX = (1n << 63n) - 1n;

/**
 * A Telethon marked id → our bare id and kind (Telethon's `resolve_id`): ≥ 0 user, below
 * −10^12 channel, other negatives basic chat. Zero is corrupt.
 */
export function fromTelethonMarked(marked: bigint, accessHash: bigint): CachedPeer {
	if (marked === 0n) throw corrupt("entity id 0");
	if (marked > 0n) return { kind: "user", id: marked, accessHash, channelKind: null };
	const n = -marked;
	if (n > CHANNEL_MARK)
		return { kind: "channel", id: n - CHANNEL_MARK, accessHash, channelKind: null };
	return { kind: "chat", id: n, accessHash: 0n, channelKind: null };
}

/** Our peer → a Telethon/Pyrogram marked id; `undefined` for communities (no marked form) or ids out of range. */
export function toMarked(peer: CachedPeer): bigint | undefined {
	if (peer.id <= 0n) return undefined;
	switch (peer.kind) {
		case "user":
			return peer.id;
		case "chat":
			return peer.id < CHANNEL_MARK ? -peer.id : undefined;
		case "channel":
			return peer.id <= I64_MAX - CHANNEL_MARK ? -(CHANNEL_MARK + peer.id) : undefined;
		default:
			return undefined;
	}
}

/** Pyrogram's `peers.type` values. */
export type PyrogramPeerType = "user" | "bot" | "group" | "channel" | "supergroup";

/**
 * A Pyrogram peer row → our peer. The kind comes from `type`; the marked id must agree with it
 * (positive for users and bots, negative for groups, below −10^12 for channels and supergroups).
 */
export function fromPyrogramPeer(marked: bigint, accessHash: bigint, type: string): CachedPeer {
	switch (type) {
		case "user":
		case "bot":
			if (marked <= 0n) throw corrupt(`a Pyrogram ${type} peer has a non-positive id`);
			return { kind: "user", id: marked, accessHash, channelKind: null };
		case "group":
			if (marked >= 0n || -marked >= CHANNEL_MARK)
				throw corrupt("a Pyrogram group peer has an id outside the chat range");
			return { kind: "chat", id: -marked, accessHash: 0n, channelKind: null };
		case "channel":
		case "supergroup":
			if (marked >= -CHANNEL_MARK)
				throw corrupt(`a Pyrogram ${type} peer has an id outside the channel range`);
			return {
				kind: "channel",
				id: -CHANNEL_MARK - marked,
				accessHash,
				channelKind: type === "channel" ? "broadcast" : "megagroup",
			};
		default:
			throw corrupt("a Pyrogram peer has an unknown type");
	}
}
