// The local-file driver (libsql with statements prepared once): a statement read through the
// queue (`all`) and at once (`readNow`) answers each call with its own parameters.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { libsqlDriver } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "xs-libsql-driver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lets the event loop turn: a lookup is answered at once only in a fresh slice of work. */
const turn = () => new Promise((r) => setImmediate(r));

describe("libsqlDriver on a local file", () => {
	it("all, readNow and run of one text never answer with another call's parameters", async () => {
		const d = libsqlDriver({ url: `file:${join(dir, "d.db")}` });
		await d.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB, n INTEGER)");
		for (let i = 1; i <= 3; i++)
			await d.run("INSERT INTO t VALUES (?, ?, ?)", [i, new Uint8Array([i]), i * 10]);
		const sql = "SELECT id, v, n FROM t WHERE id = ?";
		expect(await d.all(sql, [1])).toEqual([{ id: 1n, v: Buffer.from([1]), n: 10n }]);
		// libsql's get binds without a reset: on the statement `all` just stepped, it saw id = 1
		await turn();
		expect(d.readNow?.(sql, [2])).toEqual([2n, Buffer.from([2]), 20n]);
		expect(await d.all(sql, [3])).toEqual([{ id: 3n, v: Buffer.from([3]), n: 30n }]);
		await turn();
		expect(d.readNow?.(sql, [99])).toBeNull();
		await d.run("UPDATE t SET n = ? WHERE id = ?", [7, 1]);
		expect(await d.all("SELECT n FROM t WHERE id = ?", [1])).toEqual([{ n: 7n }]);
		await d.close?.();
	});
});
