import { SessionCipher } from "@x/session-core";
import type { Context } from "./context.js";
import { CliError, EXIT } from "./errors.js";

/** Where the CLI finds the encryption secret: never on the command line, where `ps` shows it. */
export const PASSPHRASE_ENV = "X_SESSION_PASSPHRASE";
export const KEY_ENV = "X_SESSION_KEY";

/** The cipher from X_SESSION_KEY (64 hex digits) or X_SESSION_PASSPHRASE; `undefined` when neither is set. */
export async function cipherFromEnv(ctx: Context): Promise<SessionCipher | undefined> {
	const key = ctx.io.env[KEY_ENV]?.trim();
	const passphrase = ctx.io.env[PASSPHRASE_ENV];
	ctx.addSecret(key);
	ctx.addSecret(passphrase);
	if (key) {
		if (!/^[0-9a-fA-F]{64}$/.test(key))
			throw new CliError(EXIT.USAGE, `${KEY_ENV} must be 64 hex digits (a 32-byte key)`);
		return SessionCipher.create({
			key: Uint8Array.from(key.match(/../g) ?? [], (h) => Number.parseInt(h, 16)),
		});
	}
	if (passphrase) return SessionCipher.create({ passphrase });
	return undefined;
}

/** The cipher, or a clear error saying how to provide one. */
export async function requireCipher(ctx: Context, what: string): Promise<SessionCipher> {
	const cipher = await cipherFromEnv(ctx);
	if (!cipher)
		throw new CliError(
			EXIT.USAGE,
			`${what} is encrypted; set ${PASSPHRASE_ENV} (or ${KEY_ENV}) to read or write it`,
		);
	return cipher;
}
