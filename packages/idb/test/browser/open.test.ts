// What open() reads: the session's head record only, never the peer cache (a session with many
// peers opens as fast as an empty one). Every read request of the object stores is recorded.
import { describe, expect, it } from "vitest";
import { IdbSessionBackend } from "../../src/index.js";

const database = `xs-open-${Date.now().toString(36)}`;

function recordReads(): { stores: string[]; restore: () => void } {
	const stores: string[] = [];
	const proto = IDBObjectStore.prototype;
	const index = IDBIndex.prototype;
	const saved = [
		proto.get,
		proto.getAll,
		proto.getAllKeys,
		proto.openCursor,
		proto.count,
		index.get,
	];
	for (const name of ["get", "getAll", "getAllKeys", "openCursor", "count"] as const) {
		const original = proto[name] as (...args: unknown[]) => IDBRequest;
		(proto as unknown as Record<string, unknown>)[name] = function (
			this: IDBObjectStore,
			...args: unknown[]
		) {
			stores.push(this.name);
			return original.apply(this, args);
		};
	}
	const indexGet = index.get;
	index.get = function (this: IDBIndex, ...args: Parameters<IDBIndex["get"]>) {
		stores.push(`${this.objectStore.name}/${this.name}`);
		return indexGet.apply(this, args);
	};
	return {
		stores,
		restore: () => {
			[proto.get, proto.getAll, proto.getAllKeys, proto.openCursor, proto.count, index.get] =
				saved as [
					typeof proto.get,
					typeof proto.getAll,
					typeof proto.getAllKeys,
					typeof proto.openCursor,
					typeof proto.count,
					typeof index.get,
				];
		},
	};
}

describe("idb: open", () => {
	it("reads the head record and nothing of the peer cache", async () => {
		const writer = await IdbSessionBackend.open({ database, sessionId: "many-peers" });
		await writer.cachePeers(
			Array.from({ length: 500 }, (_, i) => ({
				kind: "user" as const,
				id: BigInt(i + 1),
				accessHash: BigInt(i + 7),
				channelKind: null,
			})),
		);
		await writer.close();

		const reads = recordReads();
		let backend: IdbSessionBackend;
		try {
			backend = await IdbSessionBackend.open({ database, sessionId: "many-peers" });
		} finally {
			reads.restore();
		}
		expect(reads.stores).toEqual(["sessions"]);
		expect((await backend.getPeer("user", 42n))?.accessHash).toBe(48n);
		await backend.delete();
		await backend.close();
	});
});

describe("idb: listSessions", () => {
	it("lists the sessions of a database, and creates no database that is missing", async () => {
		const missing = `${database}-missing`;
		expect(await IdbSessionBackend.listSessions({ database: missing })).toEqual([]);
		expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(missing);

		const a = await IdbSessionBackend.open({ database, sessionId: "listed-a" });
		await a.setHomeDc(2);
		const b = await IdbSessionBackend.open({ database, sessionId: "listed-b" });
		await b.setHomeDc(4);
		expect((await IdbSessionBackend.listSessions({ database })).sort()).toEqual([
			"listed-a",
			"listed-b",
		]);
		await a.delete();
		await a.close();
		await b.close();
		expect(await IdbSessionBackend.listSessions({ database })).toEqual(["listed-b"]);
		expect(await IdbSessionBackend.deleteSession({ database }, "listed-b")).toBe(true);
		expect(await IdbSessionBackend.listSessions({ database })).toEqual([]);
	});
});

describe("idb: read-only open", () => {
	it("refuses a database the origin does not have, and creates none", async () => {
		const missing = `${database}-read-only-missing`;
		const err = await IdbSessionBackend.open({ database: missing, readOnly: true }).catch(
			(e: unknown) => e,
		);
		expect(err).toMatchObject({ code: "IO", backend: "idb" });
		expect(String((err as Error).message)).toContain("creates nothing");
		expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(missing);
	});

	it("deleteSession on a database the origin does not have is false, and creates none", async () => {
		const missing = `${database}-delete-missing`;
		expect(await IdbSessionBackend.deleteSession({ database: missing }, "nobody")).toBe(false);
		expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(missing);
	});
});
