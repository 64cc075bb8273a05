import { createHash } from "node:crypto";
import type { SecretBytes } from "@x/session-core";

/**
 * The auth key id Telegram computes for `key` (the low 64 bits of SHA1(auth_key): digest bytes
 * 12–19 read little-endian), as 16 hex digits. It identifies a key without revealing it, so two
 * copies of a session can be compared; Telethon's `AuthKey.key_id` is the same number in decimal.
 */
export function authKeyId(key: SecretBytes): string {
	const digest = key.read((bytes) => createHash("sha1").update(bytes).digest());
	return digest.readBigUInt64LE(12).toString(16).padStart(16, "0");
}
