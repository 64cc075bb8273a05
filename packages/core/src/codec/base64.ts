import { CorruptSessionError } from "../errors.js";

const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const URL_DECODE = new Int16Array(128).fill(-1);
const ANY_DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
	URL_DECODE[URL_ALPHABET.charCodeAt(i)] = i;
	ANY_DECODE[URL_ALPHABET.charCodeAt(i)] = i;
	ANY_DECODE[STD_ALPHABET.charCodeAt(i)] = i;
}

/** Which base64 alphabet: `"url"` (`-` `_`, what ferogram strings use) or `"standard"` (`+` `/`). */
export type Base64Alphabet = "url" | "standard";

/** The alphabets as character codes, for {@link base64Encode}. */
const URL_CODES = Uint8Array.from(URL_ALPHABET, (c) => c.charCodeAt(0));
const STD_CODES = Uint8Array.from(STD_ALPHABET, (c) => c.charCodeAt(0));
/** Base64 text is ASCII: its character codes become a string in one native call. */
const asciiDecoder = new TextDecoder();

/** Base64 without padding (`pad: false`, the default) or with it. */
export function base64Encode(
	bytes: Uint8Array,
	options: { alphabet?: Base64Alphabet; pad?: boolean } = {},
): string {
	const abc = options.alphabet === "standard" ? STD_CODES : URL_CODES;
	const full = bytes.length - (bytes.length % 3);
	const rest = bytes.length - full;
	const tail = rest === 0 ? 0 : options.pad ? 4 : rest + 1;
	// the characters' codes first, then one string (no string built a few characters at a time)
	const out = new Uint8Array((full / 3) * 4 + tail);
	let o = 0;
	for (let i = 0; i < full; i += 3) {
		const n =
			((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
		out[o++] = abc[n >>> 18] as number;
		out[o++] = abc[(n >>> 12) & 63] as number;
		out[o++] = abc[(n >>> 6) & 63] as number;
		out[o++] = abc[n & 63] as number;
	}
	if (rest > 0) {
		const n = ((bytes[full] as number) << 16) | (rest === 2 ? (bytes[full + 1] as number) << 8 : 0);
		out[o++] = abc[n >>> 18] as number;
		out[o++] = abc[(n >>> 12) & 63] as number;
		if (rest === 2) out[o++] = abc[(n >>> 6) & 63] as number;
		while (o < out.length) out[o++] = 61; // =
	}
	return asciiDecoder.decode(out);
}

/**
 * Decodes base64. Strict (the default, as the reference's URL_SAFE_NO_PAD): URL-safe alphabet,
 * no padding, no inner whitespace, zero leftover bits. `lenient` also accepts the standard
 * alphabet and `=` padding. Throws {@link CorruptSessionError}; the message never echoes the input.
 */
export function base64Decode(
	text: string,
	options: { lenient?: boolean; backend?: string; what?: string } = {},
): Uint8Array {
	let end = text.length;
	if (options.lenient) {
		while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
		if (text.length - end > 2) throw base64Error(options, "too much padding");
		if (text.length !== end && text.length % 4 !== 0)
			throw base64Error(options, "padding does not fit the length");
	}
	const table = options.lenient ? ANY_DECODE : URL_DECODE;
	const rem = end % 4;
	if (rem === 1) throw base64Error(options, `invalid length ${end}`);
	const out = new Uint8Array(Math.floor((end * 3) / 4));
	let o = 0;
	let i = 0;
	const full = end - rem;
	// a character outside the table gives -1, as does (through `wide`) any code from 128 up:
	// OR-ed together and checked once, after the loop (the position is searched only then)
	let bad = 0;
	for (; i < full; i += 4) {
		const c0 = text.charCodeAt(i);
		const c1 = text.charCodeAt(i + 1);
		const c2 = text.charCodeAt(i + 2);
		const c3 = text.charCodeAt(i + 3);
		const a = table[c0 & 127] as number;
		const b = table[c1 & 127] as number;
		const c = table[c2 & 127] as number;
		const d = table[c3 & 127] as number;
		const wide = (c0 | c1 | c2 | c3) > 127 ? -1 : 0;
		bad |= a | b | c | d | wide;
		const n = (a << 18) | (b << 12) | (c << 6) | d;
		out[o++] = n >>> 16;
		out[o++] = (n >>> 8) & 255;
		out[o++] = n & 255;
	}
	if (bad < 0)
		throw base64Error(options, `unexpected character at position ${badAt(text, table, 0)}`);
	if (rem > 0) {
		const v = (at: number) => {
			const code = text.charCodeAt(at);
			const value = code < 128 ? (table[code] as number) : -1;
			if (value < 0) throw base64Error(options, `unexpected character at position ${at}`);
			return value;
		};
		if (rem === 2) {
			const a = v(i);
			const b = v(i + 1);
			if (b & 15) throw base64Error(options, "non-zero trailing bits");
			out[o++] = (a << 2) | (b >>> 4);
		} else {
			const a = v(i);
			const b = v(i + 1);
			const c = v(i + 2);
			if (c & 3) throw base64Error(options, "non-zero trailing bits");
			out[o++] = (a << 2) | (b >>> 4);
			out[o++] = ((b & 15) << 4) | (c >>> 2);
		}
	}
	return out;
}

/** The first position from `from` whose character is not in `table`. */
function badAt(text: string, table: Int16Array, from: number): number {
	for (let at = from; at < text.length; at++) {
		const code = text.charCodeAt(at);
		if (code >= 128 || (table[code] as number) < 0) return at;
	}
	return from;
}

function base64Error(options: { backend?: string; what?: string }, reason: string) {
	return new CorruptSessionError(
		`${options.what ?? "base64 string"} is not valid base64: ${reason}`,
		{ backend: options.backend ?? "codec" },
	);
}
