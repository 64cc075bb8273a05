// The lease keeper of a connection: the leases of every session open on it are renewed by one
// statement per interval (not a timer and a transaction per session); a lease it finds taken
// over is fenced at once; the timer runs while a lease is held and is cleared with the last.
import { afterEach, describe, expect, it, vi } from "vitest";
import { SessionLockedError } from "../../src/errors.js";
import type { SqlDriver } from "../../src/sql/driver.js";
import { acquireLease, Lease } from "../../src/sql/lease.js";
import { inListRenewal, LeaseKeeper, leaseKeeperOf } from "../../src/sql/lease-keeper.js";
import { migrate } from "../../src/sql/migrate.js";
import { openSqlSession } from "../../src/sql/open.js";
import { sqliteDialect } from "../../src/sql/sqlite-family/dialect.js";
import { type MemoryDriver, memoryDriver } from "./memory-driver.js";

/** The driver with every statement it runs (outside and inside transactions) recorded. */
function counted(d: MemoryDriver): MemoryDriver & { statements: string[] } {
	const statements: string[] = [];
	return {
		...d,
		statements,
		run: (sql, params) => (statements.push(sql), d.run(sql, params)),
		all: (sql, params) => (statements.push(sql), d.all(sql, params)),
		transaction: (fn) =>
			d.transaction((tx) =>
				fn({
					run: (sql, params) => (statements.push(sql), tx.run(sql, params)),
					all: (sql, params) => (statements.push(sql), tx.all(sql, params)),
				}),
			),
	};
}

const renewals = (statements: string[]) =>
	statements.filter((s) => s.startsWith("UPDATE xs_leases")).length;

const expiries = (d: MemoryDriver) =>
	d.db.prepare("SELECT expires_at FROM xs_leases ORDER BY session_id").pluck().all() as number[];

afterEach(() => {
	vi.useRealTimers();
});

describe("LeaseKeeper", () => {
	it("renews the leases of N sessions on one driver with one statement per interval", async () => {
		vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
		const d = counted(memoryDriver());
		const sessions = [];
		for (let i = 0; i < 300; i++)
			sessions.push(await openSqlSession(d, { sessionId: `s${i}`, leaseTtlMs: 3000 }));
		const keeper = leaseKeeperOf(d);
		expect(keeper.size).toBe(300);
		expect(keeper.running).toBe(true);
		const before = expiries(d);
		d.statements.length = 0;
		await vi.advanceTimersByTimeAsync(1000); // a third of the lifetime
		expect(renewals(d.statements)).toBe(1);
		expect(d.statements).toHaveLength(1); // nothing else: no transaction per session
		const after = expiries(d);
		expect(after.every((e, i) => e >= (before[i] as number))).toBe(true);
		await vi.advanceTimersByTimeAsync(1000);
		expect(renewals(d.statements)).toBe(2);
		for (const s of sessions.slice(1)) await s.close();
		expect(keeper.size).toBe(1);
		expect(keeper.running).toBe(true);
		await sessions[0]?.close();
		expect(keeper.size).toBe(0);
		expect(keeper.running).toBe(false); // cleared with the last session
		d.statements.length = 0;
		await vi.advanceTimersByTimeAsync(5000);
		expect(renewals(d.statements)).toBe(0);
	});

	it("a lease taken over is marked lost: its session's next write is refused, the others write", async () => {
		const d = memoryDriver();
		const a = await openSqlSession(d, { sessionId: "a" });
		const b = await openSqlSession(d, { sessionId: "b" });
		const keeper = leaseKeeperOf(d);
		// another process took "a" over (its lease had expired there)
		d.db.prepare("UPDATE xs_leases SET owner = 'thief', pid = 7 WHERE session_id = 'a'").run();
		await keeper.renewNow();
		expect(keeper.size).toBe(1); // "a" is no longer renewed
		const refused = await a
			.applyUpdateState({ type: "primary", pts: 1, date: 1, seq: 1 })
			.catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(SessionLockedError);
		expect((refused as Error).message).toMatch(/the lease on session "a" was lost to pid 7/);
		await b.applyUpdateState({ type: "primary", pts: 2, date: 1, seq: 1 });
		const pts = d.db
			.prepare("SELECT session_id, pts FROM xs_sessions ORDER BY session_id")
			.raw()
			.all();
		expect(pts).toEqual([["b", 2]]); // "a" wrote nothing
		expect(d.db.prepare("SELECT owner FROM xs_leases WHERE session_id = 'a'").pluck().get()).toBe(
			"thief",
		);
		await a.close();
		await b.close();
		// a's close deleted no one else's lease
		expect(d.db.prepare("SELECT owner FROM xs_leases WHERE session_id = 'a'").pluck().get()).toBe(
			"thief",
		);
	});

	it("batches of at most maxBatch leases, one statement text per padded size", async () => {
		const d = counted(await migrated());
		const leases = await takeLeases(d, 21);
		const keeper = new LeaseKeeper(d, { renewal: { ...inListRenewal, maxBatch: 10 } });
		for (const lease of leases) keeper.hold(lease);
		d.db.prepare("UPDATE xs_leases SET expires_at = 1").run();
		d.statements.length = 0;
		await keeper.renewNow();
		expect(renewals(d.statements)).toBe(3); // 10 + 10 + 1
		expect(new Set(d.statements).size).toBe(2); // 10 and 1, padded to 16 and 8
		expect(expiries(d).every((e) => e > Date.now())).toBe(true);
		expect(keeper.size).toBe(21); // none lost
		for (const lease of leases) keeper.release(lease);
		expect(keeper.running).toBe(false);
	});

	it("a failed renewal keeps every lease for the next one", async () => {
		const d = await migrated();
		const [lease] = await takeLeases(d, 1);
		if (!lease) throw new Error("no lease");
		let fail = true;
		const keeper = new LeaseKeeper({
			all: (sql, params) =>
				fail ? Promise.reject(new Error("connection reset")) : d.all(sql, params),
		});
		keeper.hold(lease);
		d.db.prepare("UPDATE xs_leases SET expires_at = 1").run();
		await keeper.renewNow();
		expect(lease.lost).toBe(false);
		expect(keeper.size).toBe(1);
		fail = false;
		await keeper.renewNow();
		expect(expiries(d)[0]).toBeGreaterThan(Date.now());
		keeper.release(lease);
	});

	it("drivers share a keeper only when they say so", () => {
		const d = memoryDriver();
		const other: SqlDriver = memoryDriver(d.db);
		expect(leaseKeeperOf(d)).toBe(leaseKeeperOf(d));
		expect(leaseKeeperOf(other)).not.toBe(leaseKeeperOf(d));
		const shared = new LeaseKeeper(d);
		expect(leaseKeeperOf({ ...other, leaseKeeper: shared })).toBe(shared);
	});
});

async function migrated(): Promise<MemoryDriver> {
	const d = memoryDriver();
	await migrate(d);
	return d;
}

/** Leases on sessions s0…s{n-1}, taken as `open()` takes them. */
async function takeLeases(d: SqlDriver, n: number): Promise<Lease[]> {
	const leases: Lease[] = [];
	for (let i = 0; i < n; i++) {
		const owner = `owner-${i}`;
		await acquireLease(d, `s${i}`, owner, 30_000, 0);
		leases.push(new Lease(`s${i}`, owner, 30_000, sqliteDialect, "sqlite"));
	}
	return leases;
}
