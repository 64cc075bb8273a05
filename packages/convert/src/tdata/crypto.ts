/**
 * The primitives Telegram Desktop's storage needs. The tdata codec is written against this
 * interface, not a platform: `nodeTdataCrypto()` (`node:crypto`) is the default of the folder
 * functions, and a browser or Deno caller passes its own (WebCrypto has no MD5 or bare AES blocks).
 */
export interface TdataCrypto {
	md5(data: Uint8Array): Uint8Array;
	sha1(data: Uint8Array): Uint8Array;
	sha512(data: Uint8Array): Uint8Array;
	/** PBKDF2-HMAC-SHA512. */
	pbkdf2Sha512(
		password: Uint8Array,
		salt: Uint8Array,
		iterations: number,
		length: number,
	): Promise<Uint8Array>;
	/** AES-256 on single 16-byte blocks (no chaining, no padding): the building block of IGE. */
	aes256Blocks(key: Uint8Array): AesBlockCipher;
	randomBytes(length: number): Uint8Array;
}

/** One AES-256 key, encrypting and decrypting 16-byte blocks. */
export interface AesBlockCipher {
	encryptBlock(block: Uint8Array): Uint8Array;
	decryptBlock(block: Uint8Array): Uint8Array;
}

/** `a` followed by `b`, … (a fresh array). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
	let length = 0;
	for (const p of parts) length += p.length;
	const out = new Uint8Array(length);
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/** Constant-time comparison of two byte arrays of any length. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
	return diff === 0;
}
