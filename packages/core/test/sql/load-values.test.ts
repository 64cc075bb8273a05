// A full load through a driver that returns rows as arrays of values (`allValues`, as the SQLite
// and libSQL drivers do) reads the same session as through rows by column name, with and without
// peer metadata, and refuses a bad stored value the same way.
import { describe, expect, it } from "vitest";
import { CorruptSessionError } from "../../src/errors.js";
import type { SqlValue } from "../../src/sql/driver.js";
import { openSqlSession } from "../../src/sql/open.js";
import {
	assertSameSession,
	edgeCaseSessions,
	sampleSession,
	sessionWithExtensions,
	testPeers,
} from "../../src/testing/index.js";
import type { PersistedSession } from "../../src/types.js";
import { type MemoryDriver, memoryDriver } from "./memory-driver.js";

/** The memory driver with `allValues` (better-sqlite3's raw rows), counting its calls. */
function withValues(driver: MemoryDriver): MemoryDriver & { valueReads: number } {
	const d = {
		...driver,
		valueReads: 0,
		async allValues(sql: string, params: readonly SqlValue[] = []) {
			d.valueReads++;
			const stmt = driver.db.prepare(sql).safeIntegers(true).raw(true);
			return stmt.all(...params) as SqlValue[][];
		},
	};
	return d;
}

async function loadBoth(session: PersistedSession) {
	const plain = memoryDriver();
	const writer = await openSqlSession(plain);
	await writer.save(session);
	await writer.close();
	const values = withValues(memoryDriver(plain.db));
	const b = await openSqlSession(values);
	const byValues = await b.load();
	await b.close();
	const c = await openSqlSession(memoryDriver(plain.db));
	const byName = await c.load();
	await c.close();
	return { byValues, byName, valueReads: values.valueReads, db: plain.db };
}

describe("full load from rows as arrays of values", () => {
	const sessions: [string, PersistedSession][] = [
		["peers without metadata", { ...sampleSession(3), peers: testPeers(2000, 3) }],
		["peers with metadata", sessionWithExtensions(4)],
		...Object.entries(edgeCaseSessions()),
	];
	it.each(sessions)("%s: the same session as rows by column name", async (_, session) => {
		const { byValues, byName, valueReads } = await loadBoth(session);
		expect(valueReads).toBe(1); // the peer rows, whether or not there are any
		assertSameSession(byValues, session);
		expect(byValues).toEqual(byName);
	});

	it("a bad stored peer value is CorruptSessionError naming the column, read either way", async () => {
		const { db } = await loadBoth({ ...sampleSession(5), peers: testPeers(8, 5) });
		db.prepare(
			"UPDATE xs_peers SET access_hash = 'x' WHERE id = (SELECT min(id) FROM xs_peers)",
		).run();
		for (const driver of [withValues(memoryDriver(db)), memoryDriver(db)]) {
			const b = await openSqlSession(driver);
			const error = await b.load().catch((e: unknown) => e);
			await b.close();
			expect(error).toBeInstanceOf(CorruptSessionError);
			expect((error as Error).message).toMatch(
				/column access_hash holds an invalid value \(string\)/,
			);
		}
	});
});
