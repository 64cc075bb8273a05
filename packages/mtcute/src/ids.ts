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

// one 64-bit scratch value, read as two 32-bit halves (low first, as on every platform Node runs on)
const SCRATCH = new ArrayBuffer(8);
const HALVES = new Int32Array(SCRATCH);
const WHOLE = new BigInt64Array(SCRATCH);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A signed 64-bit value from its signed 32-bit halves. */
export function int64Of(low: number, high: number): bigint {
	if (!LITTLE_ENDIAN) return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low >>> 0));
	HALVES[0] = low;
	HALVES[1] = high;
	return WHOLE[0] as bigint;
}

/**
 * Reads mtcute's `"low|high"` access-hash string into `out[0]` (low) and `out[1]` (high), both
 * signed 32-bit; `false` (and `out` untouched) when `text` is no such string: each half is an
 * optional `-` and 1 to 10 ASCII digits whose value fits 32 bits signed.
 */
export function readFastString(text: string, out: Int32Array): boolean {
	const bar = text.indexOf("|");
	if (bar < 1 || bar > 11 || text.length - bar > 12) return false;
	const low = int32In(text, 0, bar);
	if (low === null) return false;
	const high = int32In(text, bar + 1, text.length);
	if (high === null) return false;
	out[0] = low;
	out[1] = high;
	return true;
}

/** `text[start, end)` as a signed 32-bit integer (`-?\d{1,10}` in range), or `null`. */
function int32In(text: string, start: number, end: number): number | null {
	let i = start;
	const negative = text.charCodeAt(i) === 45; // "-"
	if (negative) i++;
	if (end - i < 1 || end - i > 10) return null;
	let value = 0;
	for (; i < end; i++) {
		const digit = text.charCodeAt(i) - 48;
		if (digit < 0 || digit > 9) return null;
		value = value * 10 + digit;
	}
	if (negative) value = -value;
	return value === (value | 0) ? value | 0 : null;
}

/** mtcute's `"low|high"` access-hash string as a signed 64-bit value. */
export function hashOfFastString(text: string): bigint | null {
	return readFastString(text, PARSED) ? int64Of(PARSED[0] as number, PARSED[1] as number) : null;
}

const PARSED = new Int32Array(2);

/** A signed 64-bit access hash as mtcute's `"low|high"` string. */
export function fastStringOfHash(hash: bigint): string {
	const low = Number(BigInt.asIntN(32, hash));
	const high = Number(BigInt.asIntN(32, hash >> 32n));
	return `${low}|${high}`;
}
