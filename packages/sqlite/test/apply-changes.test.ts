// applyChanges on a real SQLite file: a statement that fails in the middle of a batch (forced by
// a trigger created in the test database) rolls back everything the batch wrote before it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionBackendError, type SessionChanges } from "@x/session-core";
import {
	assertSameSession,
	sampleSession,
	testAuthKey,
	testDc,
	testPeer,
	testPeerMeta,
} from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteSessionBackend } from "../src/index.js";

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const close of closers.splice(0).reverse()) await close();
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-batch-"));
	dirs.push(dir);
	return join(dir, "s.db");
}
async function open(path: string, flushInterval = 0) {
	const b = await SqliteSessionBackend.open({ database: path, flushInterval });
	closers.push(() => b.close());
	return b;
}
/** A second connection that makes INSERTs of the extension key `boom` fail. */
function armTrigger(path: string): () => void {
	const db = new Database(path);
	closers.push(() => void db.close());
	db.exec(`CREATE TRIGGER xs_test_fail BEFORE INSERT ON xs_extensions WHEN NEW.key = 'boom'
		BEGIN SELECT RAISE(ABORT, 'forced failure'); END`);
	return () => db.exec("DROP TRIGGER xs_test_fail");
}

const batch = (): SessionChanges => ({
	dcs: [testDc({ dcId: 3, addr: "10.3.0.1:443", authKey: testAuthKey(3) })],
	homeDcId: 3,
	updateState: [
		{ type: "primary", pts: 9001, date: 1_800_000_000, seq: 5 },
		{ type: "channel", channelId: 1_500_000_001n, pts: 4321 },
	],
	peers: [
		testPeer("channel", 42n, 4242n, "broadcast"),
		{ ...testPeer("user", 43n, 4343n), meta: testPeerMeta(43) },
	],
	deleteMinPeers: [777_000_001n],
	minPeers: [{ userId: 99n, peerId: 42n, msgId: 7 }],
	setExtensions: [
		["mtcute:first", new Uint8Array([1])],
		["boom", new Uint8Array([2])],
	],
});

describe("sqlite: applyChanges is one transaction", () => {
	it("a statement failing mid-batch rolls back the peers, counters and rows written before it", async () => {
		const path = dbPath();
		const b = await open(path);
		await b.save(sampleSession(2));
		const disarm = armTrigger(path);
		const error = await b.applyChanges(batch()).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionBackendError);
		assertSameSession(await b.load(), sampleSession(2));
		expect(await b.getPeer("channel", 42n)).toBeNull();
		expect(await b.findPeerByUsername("user_43")).toBeNull();
		expect(await b.getExtension("mtcute:first")).toBeNull();
		// the same batch goes through once the trigger is gone, and reads back after a reopen
		disarm();
		await b.applyChanges(batch());
		await b.close();
		const again = await open(path);
		const loaded = await again.load();
		expect(loaded?.homeDcId).toBe(3);
		expect(loaded?.updatesState.pts).toBe(9001);
		expect(loaded?.minPeers.map((m) => m.userId).sort((x, y) => (x < y ? -1 : 1))).toEqual([
			99n,
			777_000_002n,
		]);
		expect((await again.getPeer("channel", 42n))?.accessHash).toBe(4242n);
		expect((await again.findPeerByUsername("user_43"))?.id).toBe(43n);
		expect(Array.from((await again.getExtension("boom"))?.expose() ?? [])).toEqual([2]);
	});

	it("coalesced update state pending before a failed batch is kept and written with the next write", async () => {
		const path = dbPath();
		const b = await open(path, 60_000);
		await b.save(sampleSession(4));
		await b.applyUpdateState({ type: "secondary", qts: 777 }); // held in memory
		const disarm = armTrigger(path);
		await expect(b.applyChanges(batch())).rejects.toBeInstanceOf(SessionBackendError);
		const raw = new Database(path, { readonly: true });
		closers.push(() => void raw.close());
		const row = raw.prepare("SELECT qts, pts FROM xs_sessions WHERE session_id = 'default'").get();
		expect(row).toEqual({ qts: 7, pts: sampleSession(4).updatesState.pts });
		disarm();
		await b.applyChanges({ homeDcId: 5 });
		expect(raw.prepare("SELECT qts, home_dc_id FROM xs_sessions").get()).toEqual({
			qts: 777,
			home_dc_id: 5,
		});
	});
});
