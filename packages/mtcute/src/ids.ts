import type { PeerKind } from "@x/session-core";

// mtcute's marked ids: users as is, basic chats negated, channels as -(1e12 + id)
const ZERO_CHANNEL_ID = -1_000_000_000_000;
const MIN_MARKED_CHAT_ID = -999_999_999_999;

/** A marked mtcute peer id as our `(kind, bare id)`, or `null` when it is no valid id. */
export function peerOfMarkedId(id: number): { kind: PeerKind; id: bigint } | null {
	if (!Number.isSafeInteger(id) || id === 0 || id === ZERO_CHANNEL_ID) return null;
	if (id > 0) return { kind: "user", id: BigInt(id) };
	if (id >= MIN_MARKED_CHAT_ID) return { kind: "chat", id: BigInt(-id) };
	return { kind: "channel", id: BigInt(ZERO_CHANNEL_ID - id) };
}

/** Our `(kind, bare id)` as mtcute's marked id (a community is addressed like a channel). */
export function markedIdOf(kind: PeerKind, id: bigint): number {
	const bare = Number(id);
	if (kind === "user") return bare;
	if (kind === "chat") return -bare;
	return ZERO_CHANNEL_ID - bare;
}

/** mtcute's `"low|high"` access-hash string as a signed 64-bit value. */
export function hashOfFastString(text: string): bigint | null {
	const bar = text.indexOf("|");
	if (bar < 1 || bar > 11 || text.length - bar > 12) return null;
	const lowText = text.slice(0, bar);
	const highText = text.slice(bar + 1);
	if (!INT.test(lowText) || !INT.test(highText)) return null;
	const low = Number(lowText);
	const high = Number(highText);
	if (low !== (low | 0) || high !== (high | 0)) return null;
	return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low >>> 0));
}

const INT = /^-?\d{1,10}$/;

/** A signed 64-bit access hash as mtcute's `"low|high"` string. */
export function fastStringOfHash(hash: bigint): string {
	const low = Number(BigInt.asIntN(32, hash));
	const high = Number(BigInt.asIntN(32, hash >> 32n));
	return `${low}|${high}`;
}
