import { ENVELOPE_MAGIC, isEncryptedEnvelope } from "./envelope.js";
import { SessionBackendError } from "./errors.js";

/**
 * Encryption at rest with AES-256-GCM through WebCrypto (Node, Bun, Deno, browsers).
 *
 * Envelope layout (all of it authenticated; the header is the GCM additional data):
 *
 * | bytes | field |
 * | --- | --- |
 * | 3 | magic `XSE` |
 * | 1 | envelope version (1) |
 * | 1 | algorithm: 1 = AES-256-GCM |
 * | 1 | key derivation: 0 = raw 32-byte key, 1 = PBKDF2-HMAC-SHA-256 |
 * | 4 + 16 | PBKDF2 only: iterations (u32 LE) and salt |
 * | 4 | key check: the first 4 bytes of SHA-256("x-session key check" ‖ key), tells a wrong key from tampering |
 * | 12 | nonce (random per envelope) |
 * | n + 16 | ciphertext and GCM tag |
 */

const VERSION = 1;
const AES_256_GCM = 1;
const KDF_RAW = 0;
const KDF_PBKDF2 = 1;
/** PBKDF2-HMAC-SHA-256 cost: OWASP's 2023 recommendation (about 0.1 s on a 2020s server core). */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
const MIN_PBKDF2_ITERATIONS = 100_000;
/**
 * The highest PBKDF2 cost a cipher is created with or an envelope is opened with: about 17 times
 * {@link DEFAULT_PBKDF2_ITERATIONS}, 1 to 3 s of one core. The cost is read from the envelope
 * header before anything is authenticated, so without a bound a forged header (up to 2^32 − 1)
 * keeps `load()` deriving for half an hour; with it, a forgery costs no more than a slow load.
 */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
const BACKEND = "crypto";

/** What encrypts a session: a 32-byte key, or a passphrase stretched with PBKDF2. */
export type EncryptionSecret = { key: Uint8Array } | { passphrase: string; iterations?: number };

/** Why a decryption failed. */
export type EncryptionFailure =
	| "wrong-key"
	| "tampered"
	| "not-encrypted"
	| "unsupported"
	| "missing-key";

/** Encrypted data could not be decrypted (wrong key, tampering) or a key was needed and absent. */
export class SessionEncryptionError extends SessionBackendError {
	override readonly name: string = "SessionEncryptionError";
	readonly reason: EncryptionFailure;
	constructor(
		reason: EncryptionFailure,
		message: string,
		options: { backend: string; cause?: unknown },
	) {
		super("ENCRYPTION", message, options);
		this.reason = reason;
	}
}

type Subtle = typeof globalThis.crypto.subtle;
type CryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;

function subtle(): Subtle {
	const s = globalThis.crypto?.subtle;
	if (!s)
		throw new SessionEncryptionError("unsupported", "WebCrypto (crypto.subtle) is not available", {
			backend: BACKEND,
		});
	return s;
}

interface Derived {
	aes: CryptoKey;
	check: Uint8Array;
}

/**
 * Encrypts and decrypts session data. Create one with {@link SessionCipher.create}; it keeps the
 * derived keys it has seen, so a passphrase is stretched once per salt, not once per secret.
 */
export class SessionCipher {
	readonly #secret: EncryptionSecret;
	readonly #header: Uint8Array;
	readonly #own: Derived;
	readonly #bySalt = new Map<string, Promise<Derived>>();

	private constructor(secret: EncryptionSecret, header: Uint8Array, own: Derived) {
		this.#secret = secret;
		this.#header = header;
		this.#own = own;
	}

	static async create(secret: EncryptionSecret): Promise<SessionCipher> {
		if ("key" in secret) {
			if (!(secret.key instanceof Uint8Array) || secret.key.length !== 32)
				throw new SessionBackendError("INVALID_ARGUMENT", "encryption key must be 32 bytes", {
					backend: BACKEND,
				});
			const own = await deriveRaw(secret.key);
			return new SessionCipher({ key: secret.key.slice() }, header(KDF_RAW, own.check), own);
		}
		if (typeof secret.passphrase !== "string" || secret.passphrase.length === 0)
			throw new SessionBackendError("INVALID_ARGUMENT", "passphrase must be a non-empty string", {
				backend: BACKEND,
			});
		const iterations = secret.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
		if (
			!Number.isInteger(iterations) ||
			iterations < MIN_PBKDF2_ITERATIONS ||
			iterations > MAX_PBKDF2_ITERATIONS
		)
			throw new SessionBackendError(
				"INVALID_ARGUMENT",
				`PBKDF2 iterations must be an integer from ${MIN_PBKDF2_ITERATIONS} to ${MAX_PBKDF2_ITERATIONS}`,
				{
					backend: BACKEND,
				},
			);
		const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
		const own = await derivePbkdf2(secret.passphrase, salt, iterations);
		const cipher = new SessionCipher(secret, header(KDF_PBKDF2, own.check, iterations, salt), own);
		cipher.#bySalt.set(saltKey(iterations, salt), Promise.resolve(own));
		return cipher;
	}

	/** An envelope of `plain` with a fresh random nonce. */
	async encrypt(plain: Uint8Array): Promise<Uint8Array> {
		const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
		const aad = concat(this.#header, nonce);
		const sealed = new Uint8Array(
			await subtle().encrypt(
				{ name: "AES-GCM", iv: nonce, additionalData: aad },
				this.#own.aes,
				plain,
			),
		);
		return concat(aad, sealed);
	}

	/** The plaintext of an envelope; {@link SessionEncryptionError} for a wrong key or tampered data. */
	async decrypt(envelope: Uint8Array, backend = BACKEND): Promise<Uint8Array> {
		if (!isEncryptedEnvelope(envelope))
			throw new SessionEncryptionError(
				"not-encrypted",
				"data is not an x-session encrypted envelope",
				{ backend },
			);
		const fail = (reason: EncryptionFailure, message: string, cause?: unknown) =>
			new SessionEncryptionError(reason, message, { backend, cause });
		if (envelope[3] !== VERSION || envelope[4] !== AES_256_GCM)
			throw fail(
				"unsupported",
				`unsupported envelope (version ${envelope[3]}, algorithm ${envelope[4]})`,
			);
		const view = new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength);
		let offset = 6;
		let derived: Derived;
		if (envelope[5] === KDF_RAW) {
			derived = this.#own;
			if (!("key" in this.#secret))
				throw fail("wrong-key", "data was encrypted with a raw key, not a passphrase");
		} else if (envelope[5] === KDF_PBKDF2) {
			if (!("passphrase" in this.#secret))
				throw fail("wrong-key", "data was encrypted with a passphrase, not a raw key");
			if (envelope.length < offset + 20) throw fail("tampered", "envelope is truncated");
			const iterations = view.getUint32(offset, true);
			const salt = envelope.slice(offset + 4, offset + 20);
			offset += 20;
			// checked before deriving: the cost is not authenticated until the key is derived
			if (iterations < MIN_PBKDF2_ITERATIONS || iterations > MAX_PBKDF2_ITERATIONS)
				throw fail(
					"tampered",
					`envelope has an implausible PBKDF2 cost (${iterations} iterations, allowed ${MIN_PBKDF2_ITERATIONS} to ${MAX_PBKDF2_ITERATIONS}); the header was damaged or forged`,
				);
			derived = await this.#derived(iterations, salt);
		} else {
			throw fail("unsupported", `unknown key derivation ${envelope[5]}`);
		}
		if (envelope.length < offset + 4 + 12 + 16) throw fail("tampered", "envelope is truncated");
		const check = envelope.subarray(offset, offset + 4);
		if (!equalBytes(check, derived.check))
			throw fail("wrong-key", "the encryption key or passphrase is wrong");
		offset += 4;
		const nonce = envelope.slice(offset, offset + 12);
		const aad = envelope.subarray(0, offset + 12);
		try {
			return new Uint8Array(
				await subtle().decrypt(
					{ name: "AES-GCM", iv: nonce, additionalData: aad },
					derived.aes,
					envelope.subarray(offset + 12),
				),
			);
		} catch (cause) {
			throw fail("tampered", "encrypted data failed authentication (tampered or truncated)", cause);
		}
	}

	#derived(iterations: number, salt: Uint8Array): Promise<Derived> {
		const id = saltKey(iterations, salt);
		let derived = this.#bySalt.get(id);
		if (!derived) {
			derived = derivePbkdf2((this.#secret as { passphrase: string }).passphrase, salt, iterations);
			this.#bySalt.set(id, derived);
		}
		return derived;
	}

	toString(): string {
		return "SessionCipher [redacted]";
	}

	toJSON(): string {
		return this.toString();
	}

	[Symbol.for("nodejs.util.inspect.custom")](): string {
		return this.toString();
	}
}

async function deriveRaw(key: Uint8Array): Promise<Derived> {
	const aes = await subtle().importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]);
	return { aes, check: await keyCheck(key) };
}

async function derivePbkdf2(
	passphrase: string,
	salt: Uint8Array,
	iterations: number,
): Promise<Derived> {
	const base = await subtle().importKey(
		"raw",
		new TextEncoder().encode(passphrase),
		"PBKDF2",
		false,
		["deriveBits"],
	);
	const bits = new Uint8Array(
		await subtle().deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, 256),
	);
	try {
		return await deriveRaw(bits);
	} finally {
		bits.fill(0);
	}
}

async function keyCheck(key: Uint8Array): Promise<Uint8Array> {
	const label = new TextEncoder().encode("x-session key check");
	return new Uint8Array(await subtle().digest("SHA-256", concat(label, key))).slice(0, 4);
}

function header(
	kdf: number,
	check: Uint8Array,
	iterations?: number,
	salt?: Uint8Array,
): Uint8Array {
	const parts: Uint8Array[] = [new Uint8Array([...ENVELOPE_MAGIC, VERSION, AES_256_GCM, kdf])];
	if (kdf === KDF_PBKDF2 && iterations !== undefined && salt) {
		const cost = new Uint8Array(4);
		new DataView(cost.buffer).setUint32(0, iterations, true);
		parts.push(cost, salt);
	}
	parts.push(check);
	return concat(...parts);
}

function saltKey(iterations: number, salt: Uint8Array): string {
	return `${iterations}:${Array.from(salt).join(",")}`;
}

function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let d = 0;
	for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
	return d === 0;
}

/** A cipher from a secret, or the cipher itself; `undefined` and `null` stay as they are. */
export async function toCipher(
	encryption: SessionCipher | EncryptionSecret | null | undefined,
): Promise<SessionCipher | null> {
	if (encryption == null) return null;
	return encryption instanceof SessionCipher ? encryption : SessionCipher.create(encryption);
}

export { isEncryptedEnvelope };
