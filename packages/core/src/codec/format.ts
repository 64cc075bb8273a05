import { BINARY_PEER_TYPE, CHANNEL_KIND_CODE } from "../kinds.js";
import type { ChannelKind, PeerKind } from "../types.js";

/** The version this library writes. */
export const SESSION_FORMAT_VERSION = 8;
/** Length of an MTProto auth key. */
export const AUTH_KEY_LENGTH = 256;

/** Component name in errors raised by the codecs. */
export const CODEC = "codec";
/** Channel kind byte meaning "none". */
export const NO_CHANNEL_KIND = 0xff;
/** Byte → channel kind for all 256 values (3–255 → null), so the decoder never reads out of bounds. */
export const CHANNEL_KIND_OF_BYTE: readonly (ChannelKind | null)[] = Array.from(
	{ length: 256 },
	(_, b) => CHANNEL_KIND_CODE.kindOf(b) ?? null,
);
/** Peer type byte → kind for all 256 values (1 channel, 2 chat, anything else user). */
export const PEER_KIND_OF_BYTE: readonly PeerKind[] = Array.from(
	{ length: 256 },
	(_, b) => BINARY_PEER_TYPE.kindOf(b) ?? "user",
);

/** Size of a peer entry: 17 bytes in v2–v5, 18 in v6–v7, 19 in v8. */
export function peerEntrySize(version: number): number {
	return version >= 8 ? 19 : version >= 6 ? 18 : 17;
}
