import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	isEncryptedEnvelope,
	reencryptSecrets,
	SecretBytes,
	SessionCipher,
	SessionEncryptionError,
	withEncryptedSecrets,
} from "../src/index.js";
import {
	assertSameSession,
	runConformanceSuite,
	sampleSession,
	testAuthKey,
} from "../src/testing/index.js";
import { MemoryStore } from "./memory-store.js";

const key = new Uint8Array(32).fill(7);
const FAST = 100_000; // the minimum cost, to keep tests quick

describe("SessionCipher", () => {
	it("round-trips with a raw key and with a passphrase; every envelope has a fresh nonce", async () => {
		for (const cipher of [
			await SessionCipher.create({ key }),
			await SessionCipher.create({ passphrase: "correct horse", iterations: FAST }),
		]) {
			const plain = testAuthKey(3).expose();
			const a = await cipher.encrypt(plain);
			const b = await cipher.encrypt(plain);
			expect(isEncryptedEnvelope(a)).toBe(true);
			expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
			expect(Buffer.from(a).includes(Buffer.from(plain.subarray(0, 16)))).toBe(false);
			expect(await cipher.decrypt(a)).toEqual(plain);
		}
	});

	it("a second cipher from the same passphrase decrypts (new salt, same secret)", async () => {
		const a = await SessionCipher.create({ passphrase: "pw-1", iterations: FAST });
		const b = await SessionCipher.create({ passphrase: "pw-1", iterations: FAST });
		expect(await b.decrypt(await a.encrypt(new Uint8Array([1, 2, 3])))).toEqual(
			new Uint8Array([1, 2, 3]),
		);
	});

	it("a wrong key or passphrase is a typed wrong-key error", async () => {
		const sealed = await (await SessionCipher.create({ key })).encrypt(new Uint8Array(256));
		const other = await SessionCipher.create({ key: new Uint8Array(32).fill(8) });
		await expect(other.decrypt(sealed)).rejects.toSatisfy(
			(e) =>
				e instanceof SessionEncryptionError && e.reason === "wrong-key" && e.code === "ENCRYPTION",
		);
		const p = await (await SessionCipher.create({ passphrase: "a", iterations: FAST })).encrypt(
			new Uint8Array(4),
		);
		const q = await SessionCipher.create({ passphrase: "b", iterations: FAST });
		await expect(q.decrypt(p)).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
		);
		await expect(other.decrypt(p)).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
		);
	});

	it("any flipped bit is detected as tampering, never garbage", async () => {
		const cipher = await SessionCipher.create({ passphrase: "pw", iterations: FAST });
		const sealed = await cipher.encrypt(testAuthKey(1).expose());
		for (let i = 3; i < sealed.length; i += 7) {
			const bad = sealed.slice();
			bad[i] = (bad[i] as number) ^ 0x01;
			const error = await cipher.decrypt(bad).catch((e: unknown) => e);
			expect(error, `byte ${i}`).toBeInstanceOf(SessionEncryptionError);
		}
		await expect(cipher.decrypt(sealed.subarray(0, 30))).rejects.toBeInstanceOf(
			SessionEncryptionError,
		);
		await expect(cipher.decrypt(new Uint8Array(300))).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "not-encrypted",
		);
	});

	it("refuses bad keys and weak costs, and never prints its secret", async () => {
		await expect(SessionCipher.create({ key: new Uint8Array(16) })).rejects.toThrow(/32 bytes/);
		await expect(SessionCipher.create({ passphrase: "x", iterations: 1000 })).rejects.toThrow(
			/iterations/,
		);
		const c = await SessionCipher.create({ passphrase: "hunter2-passphrase", iterations: FAST });
		expect(inspect(c)).not.toContain("hunter2");
		expect(JSON.stringify({ c })).not.toContain("hunter2");
	});
});

describe("withEncryptedSecrets", async () => {
	const cipher = await SessionCipher.create({ key });
	runConformanceSuite(
		{ describe, it, beforeEach, afterEach },
		{
			name: "encrypted secrets over a map store",
			async createStore() {
				const store = new MemoryStore();
				return {
					open: async (id) => withEncryptedSecrets(await store.open(id), cipher),
					destroy: async () => {},
				};
			},
		},
	);

	it("stores envelopes, never the plain key; reads them back; migrates plain stores in place", async () => {
		const store = new MemoryStore();
		const plainBackend = await store.open();
		await plainBackend.save(sampleSession());
		await plainBackend.close();
		const enc = withEncryptedSecrets(await store.open(), cipher);
		assertSameSession(await enc.load(), sampleSession()); // plain secrets still read
		await enc.setHomeDc(2);
		expect(await reencryptSecrets(await store.open("x"), null, cipher)).toBe(false);
		await enc.save(sampleSession());
		await enc.close();
		const raw = await (await store.open()).load();
		for (const dc of raw?.dcs ?? [])
			if (dc.authKey) expect(isEncryptedEnvelope(dc.authKey.expose())).toBe(true);
		expect(isEncryptedEnvelope(raw?.futureAuthToken?.expose() ?? new Uint8Array())).toBe(true);
	});

	it("a stored auth key with damaged envelope bytes (magic included) is an error, never a key", async () => {
		const store = new MemoryStore();
		const b = await store.open();
		await withEncryptedSecrets(b, cipher).save(sampleSession());
		const sealed = (await b.load()) as NonNullable<Awaited<ReturnType<typeof b.load>>>;
		const dc = sealed.dcs.findIndex((d) => d.authKey);
		const envelope = sealed.dcs[dc]?.authKey?.expose() as Uint8Array;
		for (const damage of [
			(e: Uint8Array) => e.map((x, i) => (i === 0 ? x ^ 1 : x)), // magic: no longer looks encrypted
			(e: Uint8Array) => e.subarray(0, 200),
			(e: Uint8Array) => e.subarray(0, 257),
		]) {
			const bad = { ...sealed, dcs: sealed.dcs.slice() };
			bad.dcs[dc] = {
				...(sealed.dcs[dc] as (typeof bad.dcs)[number]),
				authKey: new SecretBytes(damage(envelope)),
			};
			store.data.set("default", bad); // damage in storage: save() refuses such a key
			await expect(withEncryptedSecrets(b, cipher).load()).rejects.toSatisfy(
				(e) => e instanceof SessionEncryptionError && e.reason === "tampered",
			);
		}
		// a plain 256-byte key (a store that was never encrypted) still reads
		await b.save(sampleSession());
		assertSameSession(await withEncryptedSecrets(b, cipher).load(), sampleSession());
	});

	it("rotates keys and converts back to plain", async () => {
		const store = new MemoryStore();
		const next = await SessionCipher.create({ passphrase: "rotated", iterations: FAST });
		const b = await store.open();
		await withEncryptedSecrets(b, cipher).save(sampleSession());
		expect(await reencryptSecrets(b, cipher, next)).toBe(true);
		await expect(withEncryptedSecrets(b, cipher).load()).rejects.toBeInstanceOf(
			SessionEncryptionError,
		);
		assertSameSession(await withEncryptedSecrets(b, next).load(), sampleSession());
		await expect(reencryptSecrets(b, null, null)).rejects.toBeInstanceOf(SessionEncryptionError);
		await reencryptSecrets(b, next, null);
		const raw = await b.load();
		assertSameSession(raw, sampleSession());
		expect(raw?.dcs.some((d) => d.authKey instanceof SecretBytes && d.authKey.length === 256)).toBe(
			true,
		);
	});
});
