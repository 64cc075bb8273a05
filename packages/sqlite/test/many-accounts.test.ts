// Many accounts in one process: sessions opened on one file share one connection (descriptors do
// not grow with the number of sessions, even under a 1024-descriptor limit), their transactions
// never interleave, one statement renews all their leases, and a sustained write load cannot
// starve the renewals into a takeover by another process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionBackendError } from "@x/session-core";
import { testPeers } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startChild } from "../../core/test/child-process.js";
import { SqliteSessionBackend, sqliteDriver } from "../src/index.js";
import { connectionHolders, sharedSqliteDriver } from "../src/shared.js";

const dirs: string[] = [];
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
	vi.useRealTimers();
});

function dbPath(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-many-"));
	dirs.push(dir);
	return join(dir, "accounts.db");
}

/** Runs test/child/many.ts under `ulimit -n <limit>` and returns what it printed. */
async function manyUnderLimit(path: string, count: number, limit: number) {
	const tsx = createRequire(import.meta.url).resolve("tsx");
	const script = join(import.meta.dirname, "child", "many.ts");
	const child = spawn(
		"/bin/sh",
		[
			"-c",
			`ulimit -n ${limit} && exec "$0" "$@"`,
			process.execPath,
			"--conditions=@x/source",
			"--import",
			tsx,
			script,
			path,
			String(count),
		],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	let out = "";
	let err = "";
	child.stdout.on("data", (d: Buffer) => {
		out += d;
	});
	child.stderr.on("data", (d: Buffer) => {
		err += d;
	});
	const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
	if (code !== 0) throw new Error(`many.ts exited ${code}: ${err.slice(0, 2000)}`);
	return JSON.parse(out) as Record<
		"base" | "opened" | "written" | "allButOne" | "closed",
		number
	> & {
		lastPts: number;
	};
}

describe("many accounts in one SQLite file", () => {
	it("1000 sessions through the default open() share one connection, under a 1024-descriptor limit", async () => {
		const fds = await manyUnderLimit(dbPath(), 1000, 1024);
		// the database, its -wal and its -shm: one connection for all of them
		expect(fds.opened - fds.base).toBeLessThanOrEqual(3);
		expect(fds.written - fds.base).toBeLessThanOrEqual(3);
		expect(fds.allButOne - fds.base).toBeLessThanOrEqual(3);
		expect(fds.lastPts).toBe(42); // the last session still writes on the shared connection
		expect(fds.closed).toBe(fds.base); // closed with the last session
	}, 120_000);

	it("paths naming one file (a symlink, '..') share the connection; the last close closes it", async () => {
		const path = dbPath();
		const dir = join(path, "..");
		const a = await SqliteSessionBackend.open({ database: path, sessionId: "a" });
		symlinkSync(path, join(dir, "link.db"));
		const b = await SqliteSessionBackend.open({ database: join(dir, "link.db"), sessionId: "b" });
		const c = await SqliteSessionBackend.open({
			database: join(dir, "sub", "..", "accounts.db"),
			sessionId: "c",
		});
		expect(connectionHolders({ database: path })).toBe(3);
		// other connection options get a connection of their own
		const d = await SqliteSessionBackend.open({
			database: path,
			sessionId: "d",
			synchronous: "normal",
		});
		expect(connectionHolders({ database: path })).toBe(3);
		await a.close();
		await a.close(); // twice: one share given back, once
		expect(connectionHolders({ database: path })).toBe(2);
		await b.setHomeDc(4);
		await c.close();
		await b.close();
		expect(connectionHolders({ database: path })).toBe(0);
		expect((await d.load())?.homeDcId).toBeUndefined();
		await d.close();
		// a new open after the last close opens the file again and sees b's write
		const again = await SqliteSessionBackend.open({ database: path, sessionId: "b" });
		expect((await again.load())?.homeDcId).toBe(4);
		await again.close();
	});

	it("a failed open gives its share back", async () => {
		const path = dbPath();
		const a = await SqliteSessionBackend.open({ database: path, sessionId: "a" });
		await expect(SqliteSessionBackend.open({ database: path, sessionId: "a" })).rejects.toThrow(
			/is held by/,
		);
		expect(connectionHolders({ database: path })).toBe(1);
		await a.close();
		expect(connectionHolders({ database: path })).toBe(0);
	});

	it("sessions on one connection never run statements inside each other's transactions", async () => {
		const path = dbPath();
		const a = await SqliteSessionBackend.open({ database: path, sessionId: "a" });
		const b = await SqliteSessionBackend.open({ database: path, sessionId: "b" });
		// a write of a's that fails in the middle of its transaction, after its first statements
		const raw = new Database(path);
		raw.exec(
			"CREATE TRIGGER boom BEFORE INSERT ON xs_extensions WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
		);
		raw.close();
		const writes: Promise<unknown>[] = [];
		for (let i = 1; i <= 50; i++) {
			writes.push(b.applyUpdateState({ type: "primary", pts: i, date: 1, seq: i }));
			writes.push(b.cachePeers(testPeers(3, i)));
			writes.push(
				a
					.applyChanges({
						updateState: [{ type: "primary", pts: 1000 + i, date: 1, seq: 1 }],
						peers: testPeers(2, 500 + i),
						setExtensions: [[i % 2 === 0 ? "boom" : `ok-${i}`, new Uint8Array([i])]],
					})
					.catch((e: unknown) => e),
			);
		}
		const results = await Promise.all(writes);
		const failed = results.filter((r) => r instanceof SessionBackendError);
		expect(failed).toHaveLength(25); // every "boom" batch, and nothing else
		for (const f of failed) expect((f as Error).message).toMatch(/applyChanges.*SQLITE_CONSTRAINT/);
		// every write of b's landed: none ran inside one of a's transactions that rolled back
		const bs = await b.load();
		expect(bs?.updatesState.pts).toBe(50);
		expect(bs?.peers.length).toBeGreaterThanOrEqual(3);
		for (let i = 1; i <= 50; i++) {
			const [peer] = testPeers(3, i);
			if (peer) expect(await b.getPeer(peer.kind, peer.id)).not.toBeNull();
		}
		// a's failed batches left nothing; its last good batch is what it holds
		expect((await a.load())?.updatesState.pts).toBe(1049);
		expect(await a.listExtensionKeys()).toHaveLength(25);
		await a.close();
		await b.close();
	});

	it("a caller's Database is used as it is and left open; its sessions share one lease keeper", async () => {
		const db = new Database(dbPath());
		const a = await SqliteSessionBackend.open({ database: db, sessionId: "a" });
		const b = await SqliteSessionBackend.open({ database: db, sessionId: "b" });
		expect(sqliteDriver({ database: db }).leaseKeeper?.size).toBe(2);
		await a.close();
		await b.close();
		expect(db.open).toBe(true);
		expect(sqliteDriver({ database: db }).leaseKeeper?.running).toBe(false);
		expect(db.prepare("SELECT count(*) FROM xs_leases").pluck().get()).toBe(0);
		db.close();
	});

	it("one renewal statement per interval renews the leases of 1000 sessions", async () => {
		vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
		const path = dbPath();
		const sessions: SqliteSessionBackend[] = [];
		for (let i = 0; i < 1000; i++)
			sessions.push(
				await SqliteSessionBackend.open({ database: path, sessionId: `s${i}`, leaseTtlMs: 3000 }),
			);
		const probe = await sharedSqliteDriver({ database: path });
		const keeper = probe.leaseKeeper;
		if (!keeper) throw new Error("no keeper");
		expect(keeper.size).toBe(1000);
		const raw = new Database(path, { readonly: true });
		const oldest = () => raw.prepare("SELECT min(expires_at) FROM xs_leases").pluck().get();
		const before = oldest() as number;
		const statements = keeper.statements;
		await vi.advanceTimersByTimeAsync(1000);
		expect(keeper.statements - statements).toBe(1);
		expect(oldest()).toBeGreaterThan(before); // every row renewed
		await vi.advanceTimersByTimeAsync(1000);
		expect(keeper.statements - statements).toBe(2);
		for (const s of sessions) await s.close();
		expect(keeper.running).toBe(false);
		raw.close();
		await probe.close?.();
	}, 120_000);
});

describe("a responsive process", () => {
	/** Runs `op` in a closed loop `count` times; returns at which call a timer set before fired. */
	async function timerFiredAt(count: number, op: (i: number) => Promise<unknown>) {
		let firedAt = -1;
		let i = 0;
		setTimeout(() => {
			firedAt = i;
		}, 0);
		for (; i < count; i++) await op(i);
		return firedAt;
	}

	it("a timer fires during a closed loop of writes, and of lookups, not after it", async () => {
		const b = await SqliteSessionBackend.open({ database: dbPath() });
		const writes = await timerFiredAt(1000, (i) =>
			b.applyUpdateState({ type: "primary", pts: i, date: 1, seq: 1 }),
		);
		expect(writes).toBeGreaterThanOrEqual(0);
		expect(writes).toBeLessThan(1000);
		const peers = testPeers(100, 1);
		await b.cachePeers(peers);
		const lookups = await timerFiredAt(50_000, (i) => {
			const p = peers[i % peers.length] as (typeof peers)[number];
			return b.getPeer(p.kind, p.id);
		});
		expect(lookups).toBeGreaterThanOrEqual(0);
		expect(lookups).toBeLessThan(50_000);
		await b.close();
	});
});

describe("a sustained write load does not starve lease renewal", () => {
	it("1000 sessions writing for 12 s with 3 s leases: another process cannot take one over", async () => {
		const path = dbPath();
		const sessions: SqliteSessionBackend[] = [];
		for (let i = 0; i < 1000; i++)
			sessions.push(
				await SqliteSessionBackend.open({ database: path, sessionId: `s${i}`, leaseTtlMs: 3000 }),
			);
		const peers = testPeers(10, 1);
		let stop = false;
		let writes = 0;
		const failures: unknown[] = [];
		// closed loops on 999 sessions; s999 stays idle: only the keeper renews its lease
		const load = Promise.all(
			sessions.slice(0, 999).map(async (s, i) => {
				for (let n = 1; !stop; n++) {
					try {
						if (n % 10 === 0) await s.cachePeers(peers);
						else await s.applyUpdateState({ type: "primary", pts: n, date: 1, seq: i });
						writes++;
					} catch (error) {
						failures.push(error);
						return;
					}
				}
			}),
		);
		const taker = await startChild(
			join(import.meta.dirname, "child", "taker.ts"),
			[path, "s999", "12000"],
			"trying",
		);
		let said = "";
		taker.child.stdout?.on("data", (d: Buffer) => {
			said += d;
		});
		await taker.exited;
		stop = true;
		await load;
		expect(said).toMatch(/refused [1-9]\d*\n$/); // tried and refused, never "taken"
		expect(said).not.toContain("taken");
		expect(failures).toEqual([]);
		expect(writes).toBeGreaterThan(999);
		// the idle session still holds its lease and writes
		await sessions[999]?.setHomeDc(2);
		for (const s of sessions) await s.close();
	}, 180_000);
});
