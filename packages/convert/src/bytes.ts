import { corrupt } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A bounds-checked reader; every failure is a typed corrupt-data error naming the field, never the bytes. */
export class Reader {
	readonly bytes: Uint8Array;
	readonly view: DataView;
	readonly what: string;
	offset = 0;

	constructor(bytes: Uint8Array, what: string, offset = 0) {
		this.bytes = bytes;
		this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		this.what = what;
		this.offset = offset;
	}

	get remaining(): number {
		return this.bytes.length - this.offset;
	}

	need(n: number, field: string): void {
		if (n > this.remaining) {
			throw corrupt(
				`${this.what} is truncated: ${field} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`,
			);
		}
	}

	u8(field: string): number {
		this.need(1, field);
		return this.bytes[this.offset++] as number;
	}

	u16be(field: string): number {
		this.need(2, field);
		const v = this.view.getUint16(this.offset, false);
		this.offset += 2;
		return v;
	}

	i16be(field: string): number {
		this.need(2, field);
		const v = this.view.getInt16(this.offset, false);
		this.offset += 2;
		return v;
	}

	u32be(field: string): number {
		this.need(4, field);
		const v = this.view.getUint32(this.offset, false);
		this.offset += 4;
		return v;
	}

	u64be(field: string): bigint {
		this.need(8, field);
		const v = this.view.getBigUint64(this.offset, false);
		this.offset += 8;
		return v;
	}

	i32le(field: string): number {
		this.need(4, field);
		const v = this.view.getInt32(this.offset, true);
		this.offset += 4;
		return v;
	}

	u32le(field: string): number {
		this.need(4, field);
		const v = this.view.getUint32(this.offset, true);
		this.offset += 4;
		return v;
	}

	i64le(field: string): bigint {
		this.need(8, field);
		const v = this.view.getBigInt64(this.offset, true);
		this.offset += 8;
		return v;
	}

	/** A 0/1 byte (Python's struct `?` as written); any other value is rejected, not read as true. */
	bool8(field: string): boolean {
		const v = this.u8(field);
		if (v > 1) throw corrupt(`${this.what}: ${field} byte is ${v}, expected 0 or 1`);
		return v === 1;
	}

	/** A copy of the next `n` bytes. */
	take(n: number, field: string): Uint8Array {
		this.need(n, field);
		const out = this.bytes.slice(this.offset, this.offset + n);
		this.offset += n;
		return out;
	}

	/** TL `bytes`: a 1-byte length (≤ 253) or 0xFE + 3-byte LE length, the data, zero padding to 4. */
	tlBytes(field: string): Uint8Array {
		const first = this.u8(field);
		let length: number;
		let header: number;
		if (first === 254) {
			this.need(3, field);
			length =
				(this.bytes[this.offset] as number) |
				((this.bytes[this.offset + 1] as number) << 8) |
				((this.bytes[this.offset + 2] as number) << 16);
			this.offset += 3;
			header = 4;
			if (length < 254)
				throw corrupt(`${this.what}: ${field} uses the long length form for ${length} bytes`);
		} else if (first === 255) {
			throw corrupt(`${this.what}: ${field} has an invalid TL length byte 255`);
		} else {
			length = first;
			header = 1;
		}
		const data = this.take(length, field);
		const pad = (4 - ((header + length) % 4)) % 4;
		this.need(pad, `${field} padding`);
		for (let i = 0; i < pad; i++) {
			if (this.bytes[this.offset + i] !== 0)
				throw corrupt(`${this.what}: ${field} padding is not zero`);
		}
		this.offset += pad;
		return data;
	}

	/** UTF-8 text; invalid sequences are rejected. */
	utf8(bytes: Uint8Array, field: string): string {
		try {
			return utf8.decode(bytes);
		} catch (cause) {
			throw corrupt(`${this.what}: ${field} is not valid UTF-8`, cause);
		}
	}

	/** Rejects bytes left over after the last field. */
	end(): void {
		if (this.remaining !== 0)
			throw corrupt(`${this.what} has ${this.remaining} unexpected trailing bytes`);
	}
}

/**
 * A growable byte buffer for the encoders. Every write calls #grow before touching #buf or #view:
 * growing replaces both, and `this.#buf[this.#grow(1)] = v` would write into the old buffer.
 */
export class Writer {
	#buf = new Uint8Array(512);
	#view = new DataView(this.#buf.buffer);
	#len = 0;

	#grow(n: number): number {
		if (this.#len + n > this.#buf.length) {
			const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
			next.set(this.#buf.subarray(0, this.#len));
			this.#buf = next;
			this.#view = new DataView(next.buffer);
		}
		const at = this.#len;
		this.#len += n;
		return at;
	}

	u8(v: number): this {
		const at = this.#grow(1);
		this.#buf[at] = v;
		return this;
	}

	u16be(v: number): this {
		const at = this.#grow(2);
		this.#view.setUint16(at, v, false);
		return this;
	}

	u32be(v: number): this {
		const at = this.#grow(4);
		this.#view.setUint32(at, v, false);
		return this;
	}

	u64be(v: bigint): this {
		const at = this.#grow(8);
		this.#view.setBigUint64(at, v, false);
		return this;
	}

	i32le(v: number): this {
		const at = this.#grow(4);
		this.#view.setInt32(at, v, true);
		return this;
	}

	u32le(v: number): this {
		const at = this.#grow(4);
		this.#view.setUint32(at, v, true);
		return this;
	}

	i64le(v: bigint): this {
		const at = this.#grow(8);
		this.#view.setBigInt64(at, v, true);
		return this;
	}

	raw(bytes: Uint8Array): this {
		const at = this.#grow(bytes.length);
		this.#buf.set(bytes, at);
		return this;
	}

	/** TL `bytes` (see {@link Reader.tlBytes}). */
	tlBytes(bytes: Uint8Array): this {
		const header = bytes.length <= 253 ? 1 : 4;
		if (header === 1) this.u8(bytes.length);
		else
			this.u8(254)
				.u8(bytes.length & 255)
				.u8((bytes.length >> 8) & 255)
				.u8((bytes.length >> 16) & 255);
		this.raw(bytes);
		const pad = (4 - ((header + bytes.length) % 4)) % 4;
		for (let i = 0; i < pad; i++) this.u8(0);
		return this;
	}

	get bytes(): Uint8Array {
		return this.#buf.slice(0, this.#len);
	}
}
