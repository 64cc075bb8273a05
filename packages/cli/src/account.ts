import type { PersistedSession } from "@x/session-core";

/** Where @x/session-mtcute keeps mtcute's `current_user` entry in the session's extensions. */
const MTCUTE_CURRENT_USER = "mtcute:kv:current_user";

/**
 * The logged-in account's user id and bot flag as the mtcute adapter stored them (mtcute's
 * `current_user` v1: i32 version 1, i32 flags with bit 0 = bot, i64 user id, little-endian),
 * or `undefined` when the session holds none (another client, or logged out: an empty value).
 */
export function storedAccount(
	session: PersistedSession,
): { userId: bigint; isBot: boolean } | undefined {
	const value = session.extensions?.get(MTCUTE_CURRENT_USER);
	if (!value) return undefined;
	return value.read((bytes) => {
		if (bytes.length < 16) return undefined;
		const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		if (view.getInt32(0, true) !== 1) return undefined;
		const userId = view.getBigInt64(8, true);
		return userId > 0n ? { userId, isBot: (view.getInt32(4, true) & 1) !== 0 } : undefined;
	});
}
