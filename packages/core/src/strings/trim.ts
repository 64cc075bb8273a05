// Unicode White_Space, the set Rust's `str::trim` removes. It differs from String.prototype.trim:
// Rust trims U+0085 (NEXT LINE) and keeps U+FEFF (BOM); JavaScript does the opposite.
const RUST_WHITESPACE =
	/^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Trims the ends as Rust's `str::trim` does (which ferogram applies before decoding a string). */
export function trimSessionString(text: string): string {
	// the usual string starts and ends with a printable ASCII character: nothing to trim
	const first = text.charCodeAt(0);
	const last = text.charCodeAt(text.length - 1);
	if (first > 32 && first < 127 && last > 32 && last < 127) return text;
	return text.replace(RUST_WHITESPACE, "");
}
