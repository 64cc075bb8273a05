import { type SessionCipher, SessionEncryptionError } from "@x/session-core";
import { detail } from "./corrupt.js";
import { BACKEND } from "./options.js";

/**
 * Decrypts an encrypted session file: without a cipher, or with the wrong key or passphrase, a
 * `SessionEncryptionError` that names the file and says it was left untouched.
 */
export async function decryptFile(
	cipher: SessionCipher | null,
	path: string,
	bytes: Uint8Array,
): Promise<Uint8Array> {
	if (!cipher) {
		throw new SessionEncryptionError(
			"missing-key",
			`${path} is encrypted; pass the encryption option`,
			{
				backend: BACKEND,
			},
		);
	}
	try {
		return await cipher.decrypt(bytes, BACKEND);
	} catch (error) {
		const why = error instanceof SessionEncryptionError ? error.reason : "tampered";
		throw new SessionEncryptionError(
			why,
			`${path}: ${detail(error)}; the file was left untouched`,
			{
				backend: BACKEND,
				cause: error,
			},
		);
	}
}

/** The bytes to write: the encoded session, encrypted when a cipher is set. */
export async function encryptFile(
	cipher: SessionCipher | null,
	encoded: Uint8Array,
): Promise<Uint8Array> {
	return cipher ? await cipher.encrypt(encoded) : encoded;
}
