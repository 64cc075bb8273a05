// "A wrong passphrase locks out the right one", as a scenario any backend's tests run on real
// storage: a store sealed under one passphrase, opened through withEncryptedSecrets with another,
// must refuse every write of secrets with a typed wrong-key error and change no stored byte; the
// right passphrase still loads it afterwards. Shared by the memory, SQLite and Redis tests.
import { inspect } from "node:util";
import { expect } from "vitest";
import {
	type SessionBackend,
	SessionCipher,
	SessionEncryptionError,
	withEncryptedSecrets,
} from "../src/index.js";
import { assertSameSession, sampleSession, testAuthKey, testDc } from "../src/testing/index.js";

const FAST = 100_000; // the minimum cost, to keep tests quick
export const RIGHT = "right-passphrase-5f0a";
export const WRONG = "wrong-passphrase-9c2e";

export interface WrongKeyTarget {
	/** The backend itself (no wrapper), on fresh storage. */
	inner: SessionBackend;
	/** Every stored byte of the session, as stable text, read from the storage directly. */
	dump(): Promise<string>;
}

const isWrongKey = (e: unknown) =>
	e instanceof SessionEncryptionError &&
	e.reason === "wrong-key" &&
	e.code === "ENCRYPTION" &&
	/nothing was written/.test(e.message) &&
	![e.message, inspect(e), JSON.stringify(e)].some((t) => t.includes(RIGHT) || t.includes(WRONG));

/** The session the right passphrase stored: the sample plus one extension value. */
function stored() {
	const s = sampleSession();
	s.extensions = new Map([["app:token", testAuthKey(5)]]);
	return s;
}

export async function wrongPassphraseCannotWrite({ inner, dump }: WrongKeyTarget): Promise<void> {
	const right = await SessionCipher.create({ passphrase: RIGHT, iterations: FAST });
	await withEncryptedSecrets(inner, right).save(stored());
	const before = await dump();
	expect(before.length).toBeGreaterThan(0);

	const writes = (b: SessionBackend) => [
		() => b.updateDc(testDc({ dcId: 2, addr: "10.2.0.9:443", authKey: testAuthKey(9) })),
		() => b.updateDc(testDc({ dcId: 4, addr: "10.4.0.9:443", authKey: testAuthKey(4) })),
		() => b.save(sampleSession()),
		() => b.setExtension("app:other", new Uint8Array([1, 2, 3])),
		() => b.applyChanges({ dcs: [testDc({ dcId: 3, authKey: testAuthKey(3) })] }),
		() => b.applyChanges({ setExtensions: [["app:token", new Uint8Array(8)]] }),
	];
	// a wrong passphrase whose load() failed first (the usual way in), and one that never loaded
	const wrong = await SessionCipher.create({ passphrase: WRONG, iterations: FAST });
	const afterLoad = withEncryptedSecrets(inner, wrong);
	await expect(afterLoad.load()).rejects.toSatisfy(
		(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
	);
	for (const b of [afterLoad, withEncryptedSecrets(inner, wrong)])
		for (const [i, write] of writes(b).entries())
			await expect(write(), `write ${i}`).rejects.toSatisfy(isWrongKey);
	// writes issued without waiting: each refused, none reaches the storage
	const burst = withEncryptedSecrets(inner, wrong);
	const outcomes = await Promise.allSettled(writes(burst).map((w) => w()));
	for (const o of outcomes) expect(o.status === "rejected" && isWrongKey(o.reason)).toBe(true);

	await inner.flush();
	expect(await dump()).toBe(before);
	assertSameSession(await withEncryptedSecrets(inner, right).load(), stored());

	// the right passphrase still writes, and a plain store is still encrypted in place by any key
	const again = withEncryptedSecrets(
		inner,
		await SessionCipher.create({ passphrase: RIGHT, iterations: FAST }),
	);
	await again.updateDc(testDc({ dcId: 2, addr: "10.2.0.9:443", authKey: testAuthKey(9) }));
	await inner.save(sampleSession());
	await withEncryptedSecrets(inner, wrong).updateDc(testDc({ dcId: 77, authKey: testAuthKey(6) }));
	const reread = await withEncryptedSecrets(inner, wrong).load();
	expect(reread?.dcs.find((d) => d.dcId === 77)?.authKey?.expose()).toEqual(
		testAuthKey(6).expose(),
	);
}
