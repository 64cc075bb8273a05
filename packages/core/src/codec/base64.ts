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

/** Base64 without padding (`pad: false`, the default) or with it. */
export function base64Encode(
	bytes: Uint8Array,
	options: { alphabet?: Base64Alphabet; pad?: boolean } = {},
): string {
	const abc = options.alphabet === "standard" ? STD_ALPHABET : URL_ALPHABET;
	const parts: string[] = [];
	let chunk = "";
	const full = bytes.length - (bytes.length % 3);
	for (let i = 0; i < full; i += 3) {
		const n =
			((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
		chunk +=
			abc.charAt(n >>> 18) +
			abc.charAt((n >>> 12) & 63) +
			abc.charAt((n >>> 6) & 63) +
			abc.charAt(n & 63);
		if (chunk.length >= 8192) {
			parts.push(chunk);
			chunk = "";
		}
	}
	const rest = bytes.length - full;
	if (rest === 1) {
		const n = (bytes[full] as number) << 16;
		chunk += abc.charAt(n >>> 18) + abc.charAt((n >>> 12) & 63) + (options.pad ? "==" : "");
	} else if (rest === 2) {
		const n = ((bytes[full] as number) << 16) | ((bytes[full + 1] as number) << 8);
		chunk +=
			abc.charAt(n >>> 18) +
			abc.charAt((n >>> 12) & 63) +
			abc.charAt((n >>> 6) & 63) +
			(options.pad ? "=" : "");
	}
	parts.push(chunk);
	return parts.join("");
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
	const backend = options.backend ?? "codec";
	const what = options.what ?? "base64 string";
	const fail = (reason: string) =>
		new CorruptSessionError(`${what} is not valid base64: ${reason}`, { backend });
	let end = text.length;
	if (options.lenient) {
		while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
		if (text.length - end > 2) throw fail("too much padding");
		if (text.length !== end && text.length % 4 !== 0) throw fail("padding does not fit the length");
	}
	const table = options.lenient ? ANY_DECODE : URL_DECODE;
	const rem = end % 4;
	if (rem === 1) throw fail(`invalid length ${end}`);
	const out = new Uint8Array(Math.floor((end * 3) / 4));
	let o = 0;
	let i = 0;
	const val = (at: number): number => {
		const c = text.charCodeAt(at);
		const v = c < 128 ? (table[c] as number) : -1;
		if (v < 0) throw fail(`unexpected character at position ${at}`);
		return v;
	};
	const full = end - rem;
	for (; i < full; i += 4) {
		const n = (val(i) << 18) | (val(i + 1) << 12) | (val(i + 2) << 6) | val(i + 3);
		out[o++] = n >>> 16;
		out[o++] = (n >>> 8) & 255;
		out[o++] = n & 255;
	}
	if (rem === 2) {
		const a = val(i);
		const b = val(i + 1);
		if (b & 15) throw fail("non-zero trailing bits");
		out[o++] = (a << 2) | (b >>> 4);
	} else if (rem === 3) {
		const a = val(i);
		const b = val(i + 1);
		const c = val(i + 2);
		if (c & 3) throw fail("non-zero trailing bits");
		out[o++] = (a << 2) | (b >>> 4);
		out[o++] = ((b & 15) << 4) | (c >>> 2);
	}
	return out;
}
