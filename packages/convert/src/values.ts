import { corrupt } from "./errors.js";

/** An SQLite integer cell (bigint with safe integers on); `null` for NULL. Anything else is corrupt. */
export function intCell(value: unknown, what: string, options: { nullable: true }): bigint | null;
export function intCell(value: unknown, what: string, options?: { nullable?: false }): bigint;
export function intCell(
	value: unknown,
	what: string,
	options: { nullable?: boolean } = {},
): bigint | null {
	if (value === null || value === undefined) {
		if (options.nullable) return null;
		throw corrupt(`${what} is NULL`);
	}
	if (typeof value === "bigint") return value;
	if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
	throw corrupt(`${what} is not an integer`);
}

/** An i32 from an integer cell, range-checked. */
export function i32Cell(value: unknown, what: string): number {
	const v = intCell(value, what);
	if (v < -(2n ** 31n) || v >= 2n ** 31n) throw corrupt(`${what} does not fit 32 bits`);
	return Number(v);
}

/** A unix time in seconds; Telethon writes REAL (`datetime.timestamp()`), read back truncated as Telethon does. */
export function unixCell(value: unknown, what: string): number {
	if (typeof value === "number" && Number.isFinite(value)) {
		const t = Math.trunc(value);
		if (t < -(2 ** 31) || t >= 2 ** 31) throw corrupt(`${what} does not fit 32 bits`);
		return t;
	}
	return i32Cell(value, what);
}

/** A text cell or `null`. */
export function textCell(value: unknown, what: string): string | null {
	if (value === null || value === undefined) return null;
	if (typeof value === "string") return value;
	throw corrupt(`${what} is not text`);
}

/** A blob cell as bytes, or `null`. */
export function blobCell(value: unknown, what: string): Uint8Array | null {
	if (value === null || value === undefined) return null;
	if (value instanceof Uint8Array)
		return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
	throw corrupt(`${what} is not a blob`);
}

/** A 0/1 (or NULL → `null`) flag cell. */
export function boolCell(value: unknown, what: string): boolean | null {
	const v = intCell(value, what, { nullable: true });
	if (v === null) return null;
	if (v !== 0n && v !== 1n) throw corrupt(`${what} is ${v}, expected 0 or 1`);
	return v === 1n;
}
