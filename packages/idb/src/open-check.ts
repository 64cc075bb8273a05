import { isEncryptedEnvelope, type SessionCipher, SessionEncryptionError } from "@x/session-core";
import type { IdbStore } from "./store.js";

/**
 * Opened without the encryption option on a session whose keys are encrypted, a backend would
 * hand the client envelopes as auth keys: refused at open instead, nothing read or written.
 * (With a cipher, a wrong key or passphrase is refused by `withEncryptedSecrets` on the first
 * read, and writes of secrets never mix two keys.)
 */
export async function checkedEncryption(
	store: IdbStore,
	cipher: SessionCipher | null,
): Promise<void> {
	if (cipher) return;
	const head = await store.head();
	const secrets = [...(head?.dcs.map((dc) => dc.authKey) ?? []), head?.futureAuthToken ?? null];
	if (secrets.some((s) => s && isEncryptedEnvelope(s)))
		throw new SessionEncryptionError(
			"missing-key",
			"this session's keys are encrypted; open it with the encryption option (the key or passphrase it was written with)",
			{ backend: store.name },
		);
}
