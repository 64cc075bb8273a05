// A wrong passphrase through withEncryptedSecrets must not seal keys into a memory store whose
// secrets it cannot open (the right passphrase would be locked out); see wrong-key-writes.ts.
import {
	type PersistedSession,
	type SessionBackend,
	SessionCipher,
	SessionEncryptionError,
	withEncryptedSecrets,
} from "@x/session-core";
import { sampleSession, testAuthKey, testDc } from "@x/session-core/testing";
import { describe, expect, it } from "vitest";
import { wrongPassphraseCannotWrite } from "../../core/test/wrong-key-writes.js";
import { MemorySessionBackend } from "../src/index.js";

/** Every stored secret and field as text: SecretBytes print redacted, so their bytes go as hex. */
function dump(session: PersistedSession | null): string {
	return JSON.stringify(session, (_, v) =>
		typeof v === "bigint"
			? `${v}n`
			: v instanceof Map
				? [...v]
				: v && typeof v === "object" && typeof v.expose === "function"
					? Buffer.from(v.expose()).toString("hex")
					: v instanceof Uint8Array
						? Buffer.from(v).toString("hex")
						: v,
	);
}

describe("memory: withEncryptedSecrets with a wrong passphrase", () => {
	it("refuses every write of secrets, typed, and changes no stored byte", async () => {
		const inner = new MemorySessionBackend();
		await wrongPassphraseCannotWrite({ inner, dump: async () => dump(inner.snapshot()) });
	});

	it("reads the store once, before the first write; later writes pay nothing", async () => {
		const inner = new MemorySessionBackend(sampleSession());
		let loads = 0;
		const counting = new Proxy(inner, {
			get(target, prop) {
				const value = Reflect.get(target, prop, target);
				if (prop === "load")
					return () => {
						loads++;
						return target.load();
					};
				return typeof value === "function" ? value.bind(target) : value;
			},
		}) as SessionBackend;
		const cipher = await SessionCipher.create({ key: new Uint8Array(32).fill(1) });
		const b = withEncryptedSecrets(counting, cipher);
		for (let i = 0; i < 20; i++)
			await b.updateDc(testDc({ dcId: 2, addr: `10.0.0.${i}:443`, authKey: testAuthKey(i) }));
		await b.setExtension("k", new Uint8Array(3));
		expect(loads).toBe(1);
		// after a load() that opened everything, not even once
		loads = 0;
		const c = withEncryptedSecrets(counting, cipher);
		await c.load();
		await c.updateDc(testDc({ dcId: 2, authKey: testAuthKey(1) }));
		expect(loads).toBe(1);
	});

	it("overwriteUnreadable lets save() replace the store (and only save)", async () => {
		const inner = new MemorySessionBackend();
		const right = await SessionCipher.create({ key: new Uint8Array(32).fill(1) });
		const wrong = await SessionCipher.create({ key: new Uint8Array(32).fill(2) });
		await withEncryptedSecrets(inner, right).save(sampleSession());
		const replacing = withEncryptedSecrets(inner, wrong, { overwriteUnreadable: true });
		await expect(replacing.updateDc(testDc({ authKey: testAuthKey(1) }))).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
		);
		await replacing.save(sampleSession());
		expect(await withEncryptedSecrets(inner, wrong).load()).not.toBeNull();
		await replacing.updateDc(testDc({ dcId: 9, authKey: testAuthKey(1) })); // one key now
		await expect(withEncryptedSecrets(inner, right).load()).rejects.toBeInstanceOf(
			SessionEncryptionError,
		);
	});
});
