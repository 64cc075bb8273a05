// Many sessions in one process on one libSQL database: one connection per local file (one client
// per remote database), shared and reference counted, closed with the last session; a caller's
// client is never closed; transactions of the sessions on one connection never interleave.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createClient } from "@libsql/client";
import { isSessionError } from "@x/session-core";
import { assertSameSession, sampleSession, testPeers } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LibsqlSessionBackend } from "../src/index.js";
import { clientSharingKey, sharedHolders, sharedLibsqlDriver } from "../src/shared.js";
import { startHranaServer } from "./hrana/server.js";

const TOKEN = "shared-token-5b2e71";
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-libsql-many-"));
	dirs.push(dir);
	return join(dir, "accounts.db");
}

/** This process's open descriptors on the database file and the files beside it. */
function descriptorsOn(path: string): number {
	let n = 0;
	for (const fd of readdirSync("/proc/self/fd")) {
		try {
			if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(path)) n++;
		} catch {
			// closed while listed
		}
	}
	return n;
}

/**
 * Collects garbage until the file's descriptors are gone (at most 20 rounds). libsql closes a
 * connection with the last of its prepared statements, which the garbage collector frees: the
 * backend drops its statements when the last session closes, and the next collection closes
 * the files.
 */
async function collectUntilClosed(path: string): Promise<number> {
	setFlagsFromString("--expose-gc");
	const gc = runInNewContext("gc") as () => void;
	for (let i = 0; i < 20 && descriptorsOn(path) > 0; i++) {
		gc();
		await new Promise((r) => setTimeout(r, 10));
	}
	return descriptorsOn(path);
}

describe.runIf(process.platform === "linux")("1000 sessions on one local file", () => {
	it("share one connection: descriptors stay bounded, and all are released with the last close", async () => {
		const path = dbPath();
		const url = `file:${path}`;
		const options = { url, synchronous: "normal" as const };
		const sessions: LibsqlSessionBackend[] = [];
		for (let i = 0; i < 1000; i++)
			sessions.push(await LibsqlSessionBackend.open({ ...options, sessionId: `bot-${i}` }));
		expect(sharedHolders(options)).toBe(1000);
		// the database, its -wal and its -shm: one connection's worth, not 1000 (2 each before)
		const open = descriptorsOn(path);
		expect(open).toBeGreaterThan(0);
		expect(open).toBeLessThanOrEqual(3);
		await Promise.all(
			sessions.map((s, i) => s.applyUpdateState({ type: "primary", pts: i, date: i, seq: i })),
		);
		for (const s of sessions.slice(0, 999)) await s.close();
		expect(sharedHolders(options)).toBe(1);
		expect(descriptorsOn(path)).toBe(open);
		await (sessions[999] as LibsqlSessionBackend).close();
		expect(sharedHolders(options)).toBe(0);
		expect(await collectUntilClosed(path)).toBe(0);
		const raw = new Database(path, { readonly: true });
		expect(raw.prepare("SELECT count(*) AS n FROM xs_sessions").get()).toEqual({ n: 1000 });
		raw.close();
	}, 300_000);
});

describe("sessions on one shared connection", () => {
	it("run their transactions one after another: a failing save of one leaves the others' writes", async () => {
		const path = dbPath();
		const open = (sessionId: string) =>
			LibsqlSessionBackend.open({ url: `file:${path}`, sessionId });
		const a = await open("a");
		const b = await open("b");
		expect(sharedHolders({ url: `file:${path}` })).toBe(2);
		await a.save(sampleSession(1));
		const raw = new Database(path);
		raw.exec(
			"CREATE TRIGGER fail AFTER INSERT ON xs_min_peers WHEN NEW.session_id = 'a' BEGIN SELECT RAISE(ABORT, 'injected'); END",
		);
		raw.close();
		// a's save (many statements, then the failure) and b's writes are issued together
		const big = { ...sampleSession(2), peers: testPeers(5_000, 2) };
		const [failed] = await Promise.all([
			a.save(big).catch((e: unknown) => e),
			...Array.from({ length: 50 }, (_, i) =>
				b.applyUpdateState({ type: "primary", pts: i + 1, date: i, seq: i }),
			),
			b.cachePeers(testPeers(200, 3)),
		]);
		expect(isSessionError(failed)).toBe(true);
		assertSameSession(await a.load(), sampleSession(1));
		const loaded = await b.load();
		expect(loaded?.updatesState.pts).toBe(50);
		expect(loaded?.peers).toHaveLength(200);
		await a.close();
		await b.close();
	});

	it("share one lease keeper; different durability gets a connection of its own", async () => {
		const path = dbPath();
		const url = `file:${path}`;
		const one = await sharedLibsqlDriver({ url });
		const two = await sharedLibsqlDriver({ url });
		const normal = await sharedLibsqlDriver({ url, synchronous: "normal" });
		expect(one.leaseKeeper).toBeDefined();
		expect(two.leaseKeeper).toBe(one.leaseKeeper);
		expect(normal.leaseKeeper).not.toBe(one.leaseKeeper);
		expect(sharedHolders({ url })).toBe(2);
		for (const d of [one, two, normal]) await d.close?.();
		expect(sharedHolders({ url })).toBe(0);
	});

	it("a client you pass is used by every session and never closed", async () => {
		const client = createClient({ url: `file:${dbPath()}`, intMode: "bigint" });
		const a = await LibsqlSessionBackend.open({ client, sessionId: "a" });
		const b = await LibsqlSessionBackend.open({ client, sessionId: "b" });
		await a.setHomeDc(2);
		await b.setHomeDc(4);
		await a.close();
		await b.close();
		expect(client.closed).toBe(false);
		const { rows } = await client.execute("SELECT count(*) AS n FROM xs_sessions");
		expect(Number(rows[0]?.n)).toBe(2);
		client.close();
	});
});

describe("sessions on one remote database", () => {
	it("share one client per URL and token; the sharing key shows no token", async () => {
		const server = await startHranaServer({ path: dbPath(), token: TOKEN });
		try {
			const connect = { url: server.url, authToken: TOKEN };
			const a = await LibsqlSessionBackend.open({ ...connect, sessionId: "a" });
			const b = await LibsqlSessionBackend.open({ ...connect, sessionId: "b" });
			expect(sharedHolders(connect)).toBe(2);
			await Promise.all([a.save(sampleSession(1)), b.save(sampleSession(2))]);
			assertSameSession(await b.load(), sampleSession(2));
			expect(clientSharingKey(connect)).not.toContain(TOKEN);
			expect(clientSharingKey(connect)).not.toBe(
				clientSharingKey({ ...connect, authToken: "other" }),
			);
			await a.close();
			expect(sharedHolders(connect)).toBe(1);
			await b.close();
			expect(sharedHolders(connect)).toBe(0);
		} finally {
			await server.close();
		}
	});
});
