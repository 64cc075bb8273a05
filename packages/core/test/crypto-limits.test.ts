// The PBKDF2 cost in an envelope header is read before anything is authenticated: a forged cost
// must be refused before deriving, never followed for half an hour. And a wrapper given
// something that is not a cipher says what to pass.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
	MAX_PBKDF2_ITERATIONS,
	type SessionBackend,
	SessionBackendError,
	SessionCipher,
	SessionEncryptionError,
	withEncryptedSecrets,
} from "../src/index.js";
import { sampleSession } from "../src/testing/index.js";
import { MemoryStore } from "./memory-store.js";

const FAST = 100_000;
const PASSPHRASE = "forged-cost-passphrase";

/** `envelope` with its PBKDF2 cost (u32 LE at byte 6) replaced; GCM would only notice after deriving. */
function withCost(envelope: Uint8Array, iterations: number): Uint8Array {
	const forged = envelope.slice();
	new DataView(forged.buffer).setUint32(6, iterations, true);
	return forged;
}

const isForgedCost = (e: unknown) =>
	e instanceof SessionEncryptionError &&
	e.reason === "tampered" &&
	/PBKDF2 cost/.test(e.message) &&
	!e.message.includes(PASSPHRASE);

describe("PBKDF2 cost bound", () => {
	it("is a documented constant between the default and the old u32 ceiling", () => {
		expect(MAX_PBKDF2_ITERATIONS).toBe(10_000_000);
	});

	it("an envelope claiming 2^31 - 1 iterations is refused as tampered before deriving", async () => {
		const cipher = await SessionCipher.create({ passphrase: PASSPHRASE, iterations: FAST });
		const sealed = await cipher.encrypt(new Uint8Array(256).fill(1));
		for (const cost of [0x7fffffff, 0xffffffff, MAX_PBKDF2_ITERATIONS + 1])
			await expect(cipher.decrypt(withCost(sealed, cost))).rejects.toSatisfy(isForgedCost);
		// a fresh cipher (nothing derived or cached yet) refuses it just the same
		const other = await SessionCipher.create({ passphrase: PASSPHRASE, iterations: FAST });
		await expect(other.decrypt(withCost(sealed, 0x7fffffff))).rejects.toSatisfy(isForgedCost);
	});

	it("a stored secret with a forged cost fails load() through withEncryptedSecrets", async () => {
		const cipher = await SessionCipher.create({ passphrase: PASSPHRASE, iterations: FAST });
		const store = new MemoryStore();
		const inner = await store.open();
		await withEncryptedSecrets(inner, cipher).save(sampleSession());
		const stored = store.data.get("default");
		const dc = stored?.dcs.find((d) => d.authKey);
		if (!dc?.authKey) throw new Error("fixture has no auth key");
		dc.authKey = new (dc.authKey.constructor as typeof import("../src/index.js").SecretBytes)(
			withCost(dc.authKey.expose(), 0x7fffffff),
		);
		const fresh = await SessionCipher.create({ passphrase: PASSPHRASE, iterations: FAST });
		await expect(withEncryptedSecrets(await store.open(), fresh).load()).rejects.toSatisfy(
			isForgedCost,
		);
	});

	it("a cipher is never created with a cost above the bound", async () => {
		for (const iterations of [MAX_PBKDF2_ITERATIONS + 1, 0x7fffffff, 0xffffffff])
			await expect(SessionCipher.create({ passphrase: PASSPHRASE, iterations })).rejects.toSatisfy(
				(e) =>
					e instanceof SessionBackendError &&
					e.code === "INVALID_ARGUMENT" &&
					e.message.includes(String(MAX_PBKDF2_ITERATIONS)) &&
					!e.message.includes(PASSPHRASE),
			);
	});
});

describe("withEncryptedSecrets arguments", () => {
	it("a secret or anything else in place of a cipher is a typed INVALID_ARGUMENT that says what to pass", async () => {
		const inner: SessionBackend = await new MemoryStore().open();
		for (const notCipher of [
			{ passphrase: PASSPHRASE },
			{ key: new Uint8Array(32) },
			PASSPHRASE,
			null,
			undefined,
		]) {
			let error: unknown;
			try {
				withEncryptedSecrets(inner, notCipher as unknown as SessionCipher);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(SessionBackendError);
			const e = error as SessionBackendError;
			expect(e.code).toBe("INVALID_ARGUMENT");
			expect(e.backend).toBe(inner.name);
			expect(e.message).toMatch(/SessionCipher\.create/);
			for (const text of [e.message, inspect(e), JSON.stringify(e)])
				expect(text).not.toContain(PASSPHRASE);
		}
	});
});
