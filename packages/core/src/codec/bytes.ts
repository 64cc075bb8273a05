import { CorruptSessionError, EncodeOverflowError } from "../errors.js";

const utf8Encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the text, as in Rust's String::from_utf8_lossy (the
// default TextDecoder drops it, so an address starting with EF BB BF would lose three bytes)
const utf8Lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
	return utf8Encoder.encode(text);
}

/** The length of `text` in UTF-8, as TextEncoder writes it (a lone surrogate as U+FFFD). */
export function utf8Length(text: string): number {
	let n = text.length;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c < 0x80) continue;
		if (c < 0x800) n += 1;
		else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
			const d = text.charCodeAt(i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) {
				n += 2; // two UTF-16 units, four bytes
				i++;
			} else n += 2;
		} else n += 2;
	}
	return n;
}

/** Decodes UTF-8; invalid sequences become U+FFFD unless `strict`, which throws. */
export function utf8Decode(
	bytes: Uint8Array,
	strict: boolean,
	backend: string,
	what: string,
): string {
	if (!strict) return utf8Lossy.decode(bytes);
	try {
		return utf8Strict.decode(bytes);
	} catch (cause) {
		throw new CorruptSessionError(`${what} is not valid UTF-8`, { backend, cause });
	}
}

/** A bounds-checked little- or big-endian reader over a byte array. */
export class ByteReader {
	readonly bytes: Uint8Array;
	readonly view: DataView;
	readonly littleEndian: boolean;
	readonly backend: string;
	offset = 0;
	/** Where reading stops: the end of the bytes, or of a part being read (see {@link within}). */
	end: number;

	constructor(
		bytes: Uint8Array,
		options: { littleEndian: boolean; backend: string; offset?: number },
	) {
		this.bytes = bytes;
		this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		this.littleEndian = options.littleEndian;
		this.backend = options.backend;
		this.offset = options.offset ?? 0;
		this.end = bytes.length;
	}

	get remaining(): number {
		return this.end - this.offset;
	}

	/**
	 * Reads the next `n` bytes with `read`, which cannot read past them; then goes on after them
	 * whatever `read` took (a sub-reader without a copy or a new view).
	 */
	within<T>(n: number, what: string, read: (r: this) => T): T {
		this.need(n, what);
		const outer = this.end;
		const end = this.offset + n;
		this.end = end;
		try {
			return read(this);
		} finally {
			this.end = outer;
			this.offset = end;
		}
	}

	/** Throws the typed "truncated" error unless `n` more bytes are available. */
	need(n: number, what: string): void {
		if (this.offset + n > this.end) {
			throw new CorruptSessionError(
				`truncated session: ${what} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`,
				{ backend: this.backend },
			);
		}
	}

	u8(what: string): number {
		this.need(1, what);
		return this.bytes[this.offset++] as number;
	}

	u16(what: string): number {
		this.need(2, what);
		const v = this.view.getUint16(this.offset, this.littleEndian);
		this.offset += 2;
		return v;
	}

	i32(what: string): number {
		this.need(4, what);
		const v = this.view.getInt32(this.offset, this.littleEndian);
		this.offset += 4;
		return v;
	}

	u32(what: string): number {
		this.need(4, what);
		const v = this.view.getUint32(this.offset, this.littleEndian);
		this.offset += 4;
		return v;
	}

	i64(what: string): bigint {
		this.need(8, what);
		const v = this.view.getBigInt64(this.offset, this.littleEndian);
		this.offset += 8;
		return v;
	}

	/** A view of the next `n` bytes (not a copy). */
	take(n: number, what: string): Uint8Array {
		this.need(n, what);
		const v = this.bytes.subarray(this.offset, this.offset + n);
		this.offset += n;
		return v;
	}
}

/** A writer into a buffer of known size. */
export class ByteWriter {
	readonly bytes: Uint8Array;
	readonly view: DataView;
	readonly littleEndian: boolean;
	offset = 0;

	constructor(size: number, littleEndian: boolean) {
		this.bytes = new Uint8Array(size);
		this.view = new DataView(this.bytes.buffer);
		this.littleEndian = littleEndian;
	}

	u8(v: number): void {
		this.bytes[this.offset++] = v;
	}

	u16(v: number): void {
		this.view.setUint16(this.offset, v, this.littleEndian);
		this.offset += 2;
	}

	i32(v: number): void {
		this.view.setInt32(this.offset, v, this.littleEndian);
		this.offset += 4;
	}

	u32(v: number): void {
		this.view.setUint32(this.offset, v, this.littleEndian);
		this.offset += 4;
	}

	i64(v: bigint): void {
		this.view.setBigInt64(this.offset, v, this.littleEndian);
		this.offset += 8;
	}

	raw(b: Uint8Array): void {
		this.bytes.set(b, this.offset);
		this.offset += b.length;
	}

	/** Writes `text` as UTF-8 (room for it is the caller's: {@link utf8Length}); returns its length. */
	utf8(text: string): number {
		const start = this.offset;
		const bytes = this.bytes;
		let o = start;
		for (let i = 0; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (c >= 0x80) {
				// not ASCII: the platform's encoder, from the start of the text
				o = start + utf8Encoder.encodeInto(text, bytes.subarray(start)).written;
				break;
			}
			bytes[o++] = c;
		}
		this.offset = o;
		return o - start;
	}
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Argument checks that throw {@link EncodeOverflowError} instead of wrapping (FORMAT.md §8.2). */
export const check = {
	int(value: number, min: number, max: number, what: string, backend: string): void {
		if (!Number.isInteger(value) || value < min || value > max) {
			throw new EncodeOverflowError(
				`${what} must be an integer in ${min}..${max}, got ${String(value)}`,
				{
					backend,
				},
			);
		}
	},
	i32(value: number, what: string, backend: string): void {
		check.int(value, -0x80000000, 0x7fffffff, what, backend);
	},
	i64(value: bigint, what: string, backend: string): void {
		if (typeof value !== "bigint" || value < I64_MIN || value > I64_MAX) {
			throw new EncodeOverflowError(`${what} must be a bigint in the i64 range`, { backend });
		}
	},
	count(n: number, max: number, what: string, backend: string): void {
		if (n > max) {
			throw new EncodeOverflowError(`${what}: ${n} does not fit the format (at most ${max})`, {
				backend,
			});
		}
	},
};
