import {
	AUTH_KEY_LENGTH,
	isEncryptedEnvelope,
	type PersistedSession,
	SessionCipher,
} from "@x/session-core";
import type { Context } from "./context.js";
import { CliError, EXIT } from "./errors.js";

/** Where the CLI finds the encryption secret: never on the command line, where `ps` shows it. */
export const PASSPHRASE_ENV = "X_SESSION_PASSPHRASE";
export const KEY_ENV = "X_SESSION_KEY";
/** The secret `rekey` encrypts with. */
export const NEW_PASSPHRASE_ENV = "X_SESSION_NEW_PASSPHRASE";
export const NEW_KEY_ENV = "X_SESSION_NEW_KEY";

// one cipher per context and variable pair: a passphrase is stretched once per command
const ciphers = new WeakMap<Context, Map<string, Promise<SessionCipher | undefined>>>();

function fromEnv(
	ctx: Context,
	keyEnv: string,
	passphraseEnv: string,
): Promise<SessionCipher | undefined> {
	let byPair = ciphers.get(ctx);
	if (!byPair) {
		byPair = new Map();
		ciphers.set(ctx, byPair);
	}
	const id = `${keyEnv}/${passphraseEnv}`;
	let cipher = byPair.get(id);
	if (!cipher) {
		cipher = create(ctx, keyEnv, passphraseEnv);
		byPair.set(id, cipher);
	}
	return cipher;
}

async function create(
	ctx: Context,
	keyEnv: string,
	passphraseEnv: string,
): Promise<SessionCipher | undefined> {
	const key = ctx.io.env[keyEnv]?.trim();
	const passphrase = ctx.io.env[passphraseEnv];
	ctx.addSecret(key);
	ctx.addSecret(passphrase);
	if (key) {
		if (!/^[0-9a-fA-F]{64}$/.test(key))
			throw new CliError(EXIT.USAGE, `${keyEnv} must be 64 hex digits (a 32-byte key)`);
		return SessionCipher.create({
			key: Uint8Array.from(key.match(/../g) ?? [], (h) => Number.parseInt(h, 16)),
		});
	}
	if (passphrase) return SessionCipher.create({ passphrase });
	return undefined;
}

/** The cipher from X_SESSION_KEY (64 hex digits) or X_SESSION_PASSPHRASE; `undefined` when neither is set. */
export function cipherFromEnv(ctx: Context): Promise<SessionCipher | undefined> {
	return fromEnv(ctx, KEY_ENV, PASSPHRASE_ENV);
}

/** The cipher `rekey` encrypts with, from X_SESSION_NEW_KEY or X_SESSION_NEW_PASSPHRASE. */
export function newCipherFromEnv(ctx: Context): Promise<SessionCipher | undefined> {
	return fromEnv(ctx, NEW_KEY_ENV, NEW_PASSPHRASE_ENV);
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

/**
 * True when a session loaded without a cipher holds encrypted secrets (what
 * `withEncryptedSecrets` stores): an auth key that is not 256 bytes, or a token or extension
 * value that is an envelope.
 */
export function hasEncryptedSecrets(session: PersistedSession): boolean {
	for (const dc of session.dcs) {
		if (dc.authKey && dc.authKey.length !== AUTH_KEY_LENGTH) return true;
	}
	const others = [...(session.extensions?.values() ?? [])];
	if (session.futureAuthToken) others.push(session.futureAuthToken);
	return others.some((s) => s.read((b) => isEncryptedEnvelope(b)));
}
