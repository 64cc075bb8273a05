import { type SessionCipher, SessionEncryptionError } from "@x/session-core";
import { base64Decode, base64Encode } from "@x/session-core/backend";
import { BACKEND } from "./options.js";

/** Encrypted strings: this prefix, then the base64url (no padding) of an AES-256-GCM envelope. */
export const ENCRYPTED_PREFIX = "xse1_";

/** The string to publish: `text` itself, or sealed as `xse1_…` when a cipher is set. */
export async function sealString(cipher: SessionCipher | null, text: string): Promise<string> {
	if (!cipher) return text;
	const sealed = await cipher.encrypt(new TextEncoder().encode(text));
	return ENCRYPTED_PREFIX + base64Encode(sealed);
}

/** The plain string inside an encrypted one; other strings pass through. */
export async function openString(cipher: SessionCipher | null, text: string): Promise<string> {
	const trimmed = text.trim();
	if (!trimmed.startsWith(ENCRYPTED_PREFIX)) return text;
	if (!cipher) {
		throw new SessionEncryptionError(
			"missing-key",
			"the session string is encrypted; pass the encryption option",
			{
				backend: BACKEND,
			},
		);
	}
	let sealed: Uint8Array;
	try {
		sealed = base64Decode(trimmed.slice(ENCRYPTED_PREFIX.length), {
			what: "encrypted session string",
		});
	} catch (cause) {
		throw new SessionEncryptionError(
			"tampered",
			"the encrypted session string is not valid base64url",
			{
				backend: BACKEND,
				cause,
			},
		);
	}
	return new TextDecoder().decode(await cipher.decrypt(sealed, BACKEND));
}
