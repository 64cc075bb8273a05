const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * Bytes that must never be printed: auth keys and future-auth tokens.
 *
 * The bytes live in a private field, so `util.inspect`, `JSON.stringify`, `String()` and
 * template literals show only the length. Read them with {@link SecretBytes.expose}, which
 * returns a copy: a `SecretBytes` never changes after construction and can be shared freely.
 */
export class SecretBytes {
	readonly #bytes: Uint8Array;

	/** Copies `bytes`; later changes to the argument do not reach the secret. */
	constructor(bytes: Uint8Array) {
		// a copy into a plain Uint8Array: Buffer#slice would share memory with the argument
		this.#bytes = new Uint8Array(bytes);
	}

	/** Number of bytes held. */
	get length(): number {
		return this.#bytes.length;
	}

	/** A fresh copy of the secret bytes. */
	expose(): Uint8Array {
		return this.#bytes.slice();
	}

	/**
	 * Passes the bytes to `use` without copying; `use` must not keep or change them.
	 * For codecs and drivers on hot paths.
	 */
	read<T>(use: (bytes: Uint8Array) => T): T {
		return use(this.#bytes);
	}

	/** Constant-time comparison with another secret or raw bytes. */
	equals(other: SecretBytes | Uint8Array): boolean {
		const b = other instanceof SecretBytes ? other.#bytes : other;
		const a = this.#bytes;
		if (a.length !== b.length) return false;
		let diff = 0;
		for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
		return diff === 0;
	}

	toString(): string {
		return `[redacted ${this.#bytes.length} bytes]`;
	}

	toJSON(): string {
		return this.toString();
	}

	[inspectSymbol](): string {
		return `SecretBytes ${this.toString()}`;
	}
}

/** Wraps bytes as a {@link SecretBytes}; `null` and `undefined` pass through as `null`. */
export function secret(bytes: Uint8Array | SecretBytes | null | undefined): SecretBytes | null {
	if (bytes == null) return null;
	return bytes instanceof SecretBytes ? bytes : new SecretBytes(bytes);
}
