// Telegram Desktop encrypts its files the way MTProto v1 encrypted messages: a 16-byte "message
// key" (here: the first 16 bytes of SHA-1 over the plaintext) and a 256-byte key give, through four
// SHA-1s, the AES-256 key and IV of AES-IGE. The plaintext is its own length (int32 LE, counting
// the 4 bytes themselves) and the data, padded with random bytes to a multiple of 16.
import { corrupt, encryptionError } from "../errors.js";
import { type AesBlockCipher, bytesEqual, concatBytes, type TdataCrypto } from "./crypto.js";

/** Which side of MTProto v1's key derivation Desktop uses for local files (the "server" side). */
const KDF_OFFSET = 8;
const BLOCK = 16;

/** MTProto v1's AES key and IV from a 256-byte key and a 16-byte message key. */
export function deriveAesKeyIv(
	crypto: TdataCrypto,
	key: Uint8Array,
	msgKey: Uint8Array,
): { aesKey: Uint8Array; aesIv: Uint8Array } {
	const x = KDF_OFFSET;
	const part = (from: number, length: number) => key.subarray(from + x, from + x + length);
	const a = crypto.sha1(concatBytes(msgKey, part(0, 32)));
	const b = crypto.sha1(concatBytes(part(32, 16), msgKey, part(48, 16)));
	const c = crypto.sha1(concatBytes(part(64, 32), msgKey));
	const d = crypto.sha1(concatBytes(msgKey, part(96, 32)));
	return {
		aesKey: concatBytes(a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)),
		aesIv: concatBytes(a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)),
	};
}

function xorInto(out: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array {
	for (let i = 0; i < BLOCK; i++) out[i] = (a[i] as number) ^ (b[i] as number);
	return out;
}

/** AES-256-IGE over whole blocks; `iv` is 32 bytes (previous ciphertext block, previous plaintext). */
export function aesIge(
	cipher: AesBlockCipher,
	iv: Uint8Array,
	data: Uint8Array,
	direction: "encrypt" | "decrypt",
): Uint8Array {
	if (data.length % BLOCK !== 0) throw corrupt("AES-IGE data is not a multiple of 16 bytes");
	const out = new Uint8Array(data.length);
	// encrypt: c = E(p ^ prevC) ^ prevP; decrypt: p = D(c ^ prevP) ^ prevC
	let prevOut: Uint8Array = iv.slice(
		direction === "encrypt" ? 0 : 16,
		direction === "encrypt" ? 16 : 32,
	);
	let prevIn: Uint8Array = iv.slice(
		direction === "encrypt" ? 16 : 0,
		direction === "encrypt" ? 32 : 16,
	);
	const tmp = new Uint8Array(BLOCK);
	for (let at = 0; at < data.length; at += BLOCK) {
		const input = data.subarray(at, at + BLOCK);
		xorInto(tmp, input, prevOut);
		const mixed = direction === "encrypt" ? cipher.encryptBlock(tmp) : cipher.decryptBlock(tmp);
		const result = xorInto(out.subarray(at, at + BLOCK), mixed, prevIn);
		prevOut = result;
		prevIn = input;
	}
	return out;
}

/** Encrypts `data` under a 256-byte key as Desktop does: message key (16) + ciphertext. */
export function encryptLocal(crypto: TdataCrypto, data: Uint8Array, key: Uint8Array): Uint8Array {
	const size = data.length + 4;
	const padded = new Uint8Array(Math.ceil(size / BLOCK) * BLOCK);
	new DataView(padded.buffer).setInt32(0, size, true);
	padded.set(data, 4);
	padded.set(crypto.randomBytes(padded.length - size), size);
	const msgKey = crypto.sha1(padded).subarray(0, 16);
	const { aesKey, aesIv } = deriveAesKeyIv(crypto, key, msgKey);
	return concatBytes(msgKey, aesIge(crypto.aes256Blocks(aesKey), aesIv, padded, "encrypt"));
}

/**
 * Decrypts what {@link encryptLocal} wrote. A message key that does not match the plaintext means
 * the wrong key (for key_datas: the wrong passcode): `ENCRYPTION` / `wrong-key`, naming `what`.
 */
export function decryptLocal(
	crypto: TdataCrypto,
	encrypted: Uint8Array,
	key: Uint8Array,
	what: string,
	wrongKeyHint: string,
): Uint8Array {
	if (encrypted.length < 16 + BLOCK || (encrypted.length - 16) % BLOCK !== 0)
		throw corrupt(`${what}: encrypted data of ${encrypted.length} bytes is not 16 + n × 16`);
	const msgKey = encrypted.subarray(0, 16);
	const body = encrypted.subarray(16);
	const { aesKey, aesIv } = deriveAesKeyIv(crypto, key, msgKey);
	const plain = aesIge(crypto.aes256Blocks(aesKey), aesIv, body, "decrypt");
	if (!bytesEqual(crypto.sha1(plain).subarray(0, 16), msgKey))
		throw encryptionError("wrong-key", `${what} does not decrypt: ${wrongKeyHint}`);
	const size = new DataView(plain.buffer, plain.byteOffset).getInt32(0, true);
	// the padding is under one block, so the stated size lies in the last block
	if (size < 4 || size > plain.length || size <= plain.length - BLOCK)
		throw corrupt(
			`${what}: the decrypted length field (${size}) does not fit ${plain.length} bytes`,
		);
	return plain.slice(4, size);
}
