// A write the browser refuses for lack of space: a typed error, and the stored session unchanged.
// Here QuotaExceededError is thrown by the object store's put; the real thing (a 1 MiB quota set
// through the DevTools protocol, which playwright's off-the-record contexts here ignore) is in
// ../quota-chromium.test.ts.
import { emptySession } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { IdbQuotaError, IdbSessionBackend } from "../../src/index.js";

const database = `xs-quota-${Date.now().toString(36)}`;

async function seeded(sessionId: string): Promise<IdbSessionBackend> {
	const backend = await IdbSessionBackend.open({ database, sessionId });
	const session = emptySession();
	session.homeDcId = 2;
	await backend.save(session);
	await backend.cachePeer({ kind: "user", id: 1n, accessHash: 11n, channelKind: null });
	return backend;
}

async function expectUnchanged(backend: IdbSessionBackend): Promise<void> {
	const loaded = await backend.load();
	expect(loaded?.homeDcId).toBe(2);
	expect(loaded?.peers.map((p) => p.id)).toEqual([1n]);
	expect(await backend.listExtensionKeys()).toEqual([]);
}

describe("idb: quota", () => {
	it("QuotaExceededError from the object store: the transaction is rolled back", async () => {
		const backend = await seeded("mocked");
		const put = IDBObjectStore.prototype.put;
		IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args) {
			if (this.name === "extensions")
				throw new DOMException("the quota has been exceeded", "QuotaExceededError");
			return put.apply(this, args);
		};
		try {
			await expect(
				backend.applyChanges({
					homeDcId: 4,
					peers: [{ kind: "user", id: 2n, accessHash: 22n, channelKind: null }],
					setExtensions: [["app:x", new Uint8Array([1])]],
				}),
			).rejects.toBeInstanceOf(IdbQuotaError);
		} finally {
			IDBObjectStore.prototype.put = put;
		}
		await expectUnchanged(backend);
		await backend.delete();
		await backend.close();
	});
});
