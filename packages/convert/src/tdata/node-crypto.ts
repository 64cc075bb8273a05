import { createCipheriv, createDecipheriv, createHash, pbkdf2, randomBytes } from "node:crypto";
import type { AesBlockCipher, TdataCrypto } from "./crypto.js";

const hash =
	(algorithm: string) =>
	(data: Uint8Array): Uint8Array =>
		new Uint8Array(createHash(algorithm).update(data).digest());

/** {@link TdataCrypto} on `node:crypto` (Node only; the folder functions' default). */
export function nodeTdataCrypto(): TdataCrypto {
	return {
		md5: hash("md5"),
		sha1: hash("sha1"),
		sha512: hash("sha512"),
		pbkdf2Sha512: (password, salt, iterations, length) =>
			new Promise((resolve, reject) => {
				pbkdf2(password, salt, iterations, length, "sha512", (error, key) =>
					error ? reject(error) : resolve(new Uint8Array(key)),
				);
			}),
		aes256Blocks(key): AesBlockCipher {
			// ECB without padding on one block at a time: each update() is one AES block operation
			const enc = createCipheriv("aes-256-ecb", key, null).setAutoPadding(false);
			const dec = createDecipheriv("aes-256-ecb", key, null).setAutoPadding(false);
			return {
				encryptBlock: (block) => new Uint8Array(enc.update(block)),
				decryptBlock: (block) => new Uint8Array(dec.update(block)),
			};
		},
		randomBytes: (length) => new Uint8Array(randomBytes(length)),
	};
}
