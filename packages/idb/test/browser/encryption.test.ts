// Encryption at rest: what IndexedDB holds (read here with the raw API, as anyone with the
// profile folder could) contains no auth key; the wrong key or no key is a typed error and
// writes nothing.
import {
	defaultDcTable,
	emptySession,
	type PersistedSession,
	SecretBytes,
	SessionEncryptionError,
} from "@x/session-core";
import { describe, expect, it } from "vitest";
import { IdbSessionBackend } from "../../src/index.js";

const database = `xs-encryption-${Date.now().toString(36)}`;
const key = new Uint8Array(32).fill(9);

function sample(): PersistedSession {
	const session = emptySession();
	session.homeDcId = 2;
	session.dcs = defaultDcTable();
	const authKey = new Uint8Array(256).map((_, i) => (i * 37 + 11) & 0xff);
	for (const dc of session.dcs) if (dc.dcId === 2) dc.authKey = new SecretBytes(authKey);
	return session;
}

/** Every byte array stored anywhere in the database, read without the library. */
async function rawBytes(): Promise<Uint8Array[]> {
	const db = await new Promise<IDBDatabase>((resolve, reject) => {
		const r = indexedDB.open(database);
		r.onsuccess = () => resolve(r.result);
		r.onerror = () => reject(r.error);
	});
	const found: Uint8Array[] = [];
	const walk = (v: unknown): void => {
		if (v instanceof Uint8Array) found.push(v);
		else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
	};
	for (const name of Array.from(db.objectStoreNames)) {
		const all = await new Promise<unknown[]>((resolve, reject) => {
			const r = db.transaction(name).objectStore(name).getAll();
			r.onsuccess = () => resolve(r.result);
			r.onerror = () => reject(r.error);
		});
		walk(all);
	}
	db.close();
	return found;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
	outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
		for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return true;
	}
	return false;
}

describe("idb: encryption at rest", () => {
	it("stores envelopes only; the right passphrase reads the session back", async () => {
		const secret = { passphrase: "correct horse", iterations: 100_000 };
		const a = await IdbSessionBackend.open({ database, sessionId: "enc", encryption: secret });
		await a.save(sample());
		await a.setExtension("app:token", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
		await a.close();
		const authKey = sample()
			.dcs.find((d) => d.authKey)
			?.authKey?.expose() as Uint8Array;
		const stored = await rawBytes();
		expect(stored.length).toBeGreaterThan(0);
		for (const bytes of stored) {
			expect(contains(bytes, authKey.subarray(0, 16))).toBe(false);
			expect(contains(bytes, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toBe(false);
		}
		const b = await IdbSessionBackend.open({ database, sessionId: "enc", encryption: secret });
		const loaded = await b.load();
		expect(loaded?.dcs.find((d) => d.authKey)?.authKey?.equals(authKey)).toBe(true);
		expect((await b.getExtension("app:token"))?.expose()).toEqual(
			new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
		);
		await b.close();
	});

	it("no key, or the wrong key: SessionEncryptionError, and nothing is written", async () => {
		const a = await IdbSessionBackend.open({ database, sessionId: "locked", encryption: { key } });
		await a.save(sample());
		await a.close();
		const before = await rawBytes();

		await expect(IdbSessionBackend.open({ database, sessionId: "locked" })).rejects.toMatchObject({
			reason: "missing-key",
		});
		const wrong = await IdbSessionBackend.open({
			database,
			sessionId: "locked",
			encryption: { key: new Uint8Array(32).fill(1) },
		});
		await expect(wrong.load()).rejects.toBeInstanceOf(SessionEncryptionError);
		await expect(wrong.save(sample())).rejects.toBeInstanceOf(SessionEncryptionError);
		await wrong.close();
		expect(await rawBytes()).toEqual(before);

		const right = await IdbSessionBackend.open({
			database,
			sessionId: "locked",
			encryption: { key },
		});
		expect((await right.load())?.homeDcId).toBe(2);
		await right.delete();
		await right.close();
	});
});
