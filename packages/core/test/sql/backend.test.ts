// SqlSessionBackend on an in-memory SQLite driver: a session round-trips through save and load,
// granular writes and lookups see each other, a read-only open refuses writes, and two instances
// of one session are fenced by the lease. The full contract runs in the conformance suite of each
// SQL package; this is the layer on its own.
import { describe, expect, it } from "vitest";
import { type SessionBackendError, SessionLockedError } from "../../src/errors.js";
import { openSqlSession } from "../../src/sql/open.js";
import { assertSameSession, sampleSession, testPeers } from "../../src/testing/index.js";
import { memoryDriver } from "./memory-driver.js";

describe("SqlSessionBackend on an in-memory SQLite driver", () => {
	it("save → load round-trips a session; granular writes and lookups agree", async () => {
		const b = await openSqlSession(memoryDriver());
		const session = { ...sampleSession(), peers: testPeers(400) };
		await b.save(session);
		assertSameSession(await b.load(), session);
		await b.cachePeers([
			{
				kind: "user",
				id: 5n,
				accessHash: 6n,
				channelKind: null,
				meta: {
					usernames: ["someone"],
					phone: "15550100",
					name: "S",
					updatedAt: 1,
					isMin: false,
					data: null,
				},
			},
		]);
		await b.applyUpdateState({ type: "primary", pts: 77, date: 1, seq: 2 });
		expect((await b.findPeerByUsername("@SomeOne"))?.id).toBe(5n);
		expect((await b.findPeerByPhone("+1 555 0100"))?.id).toBe(5n);
		expect((await b.getPeer("user", 5n))?.accessHash).toBe(6n);
		expect((await b.load())?.updatesState.pts).toBe(77);
		await b.close();
	});

	it("a second instance of a held session is refused; a read-only one writes nothing", async () => {
		const d = memoryDriver();
		const writer = await openSqlSession(d, { sessionId: "a" });
		await expect(openSqlSession(memoryDriver(d.db), { sessionId: "a" })).rejects.toBeInstanceOf(
			SessionLockedError,
		);
		const reader = await openSqlSession(memoryDriver(d.db), { sessionId: "a", readOnly: true });
		const refused = await reader.save(sampleSession()).catch((e: unknown) => e);
		expect((refused as SessionBackendError).code).toBe("UNSUPPORTED");
		expect(reader.found).toBe("ours");
		await writer.close();
		await reader.close();
	});
});
