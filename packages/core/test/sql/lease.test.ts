// Leases of the SQL layer on an in-memory SQLite database: taken when free, expired or held by a
// dead process of this host; refused while a live holder has it; and a holder whose lease was
// taken over is fenced off (its next write, checked inside the transaction, is refused).
import { describe, expect, it } from "vitest";
import { SessionLockedError } from "../../src/errors.js";
import { acquireLease, Lease, leaseHolder } from "../../src/sql/lease.js";
import { migrate } from "../../src/sql/migrate.js";
import { sqliteDialect } from "../../src/sql/sqlite-family/dialect.js";
import { memoryDriver } from "./memory-driver.js";

async function migrated() {
	const d = memoryDriver();
	await migrate(d);
	return d;
}

describe("SQL leases", () => {
	it("a free session is taken; a live holder's lease is refused with who holds it", async () => {
		const d = await migrated();
		await acquireLease(d, "a", "owner-1", 30_000, 0);
		expect(await leaseHolder(d, "a")).toMatchObject({
			owner: "owner-1",
			pid: 1,
			host: "test-host",
		});
		const refused = await acquireLease(d, "a", "owner-2", 30_000, 0).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(SessionLockedError);
		expect((refused as SessionLockedError).holder).toMatchObject({ owner: "owner-1", pid: 1 });
		expect((refused as Error).message).toContain("pid 1 on test-host");
		// another session of the same database is independent
		await acquireLease(d, "b", "owner-2", 30_000, 0);
	});

	it("an expired lease, or one of a dead process on this host, is taken over at once", async () => {
		const d = await migrated();
		await acquireLease(d, "a", "old", 30_000, 0);
		d.db.prepare("UPDATE xs_leases SET expires_at = 1").run();
		await acquireLease(d, "a", "new", 30_000, 0);
		expect((await leaseHolder(d, "a"))?.owner).toBe("new");
		d.db.prepare("UPDATE xs_leases SET pid = 999999").run(); // memoryDriver: that pid is dead
		await acquireLease(d, "a", "newer", 30_000, 0);
		expect((await leaseHolder(d, "a"))?.owner).toBe("newer");
		d.db.prepare("UPDATE xs_leases SET pid = 999999, host = 'elsewhere'").run();
		await expect(acquireLease(d, "a", "x", 30_000, 0)).rejects.toBeInstanceOf(SessionLockedError);
	});

	it("check() reads the owner within a third of the lifetime, renews after, and fences a lost lease", async () => {
		const d = await migrated();
		await acquireLease(d, "a", "me", 3000, 0);
		const lease = new Lease("a", "me", 3000, sqliteDialect, "sqlite");
		const expiry = () => Number(d.db.prepare("SELECT expires_at FROM xs_leases").pluck().get());
		const before = expiry();
		await d.transaction((tx) => lease.check(tx, "save", false));
		expect(expiry()).toBe(before); // only read: no page written
		await new Promise((r) => setTimeout(r, 5));
		await d.transaction((tx) => lease.check(tx, "save", true));
		expect(expiry()).toBeGreaterThan(before);
		d.db.prepare("UPDATE xs_leases SET owner = 'thief', pid = 7").run();
		for (const renew of [false, true]) {
			const lost = await d.transaction((tx) => lease.check(tx, "save", renew)).catch((e) => e);
			expect(lost).toBeInstanceOf(SessionLockedError);
			expect((lost as Error).message).toMatch(/save: the lease on session "a" was lost to pid 7/);
		}
	});
});
