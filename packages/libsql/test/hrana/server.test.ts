// The test server's wire format, checked with raw JSON over HTTP (what @libsql/client sends for
// `http://` URLs: it probes GET /v3-protobuf and GET /v3, gets 404 and falls back to v2).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HranaServer, startHranaServer } from "./server.js";

const TOKEN = "hrana-test-token";
let dir: string;
let server: HranaServer;
beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), "xs-hrana-"));
	server = await startHranaServer({ path: join(dir, "h.db"), token: TOKEN });
});
afterEach(async () => {
	await server.close();
	rmSync(dir, { recursive: true, force: true });
});

interface PipelineReply {
	baton: string | null;
	base_url: string | null;
	// biome-ignore lint/suspicious/noExplicitAny: raw protocol JSON
	results: any[];
}
async function pipeline(requests: unknown[], baton: string | null = null): Promise<PipelineReply> {
	const res = await fetch(`${server.url}/v2/pipeline`, {
		method: "POST",
		headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
		body: JSON.stringify({ baton, requests }),
	});
	expect(res.status).toBe(200);
	return (await res.json()) as PipelineReply;
}
const exec = (sql: string, args: unknown[] = []) => ({
	type: "execute",
	stmt: { sql, args, want_rows: true },
});

describe("Hrana v2 test server (raw protocol)", () => {
	it("version probing: GET /v2 is 200, /v3 and /v3-protobuf are 404; a wrong token is 401", async () => {
		const get = (path: string, token = TOKEN) =>
			fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
		expect((await get("/v2")).status).toBe(200);
		expect((await get("/v3")).status).toBe(404);
		expect((await get("/v3-protobuf")).status).toBe(404);
		expect((await get("/v2", "wrong")).status).toBe(401);
		const res = await fetch(`${server.url}/v2/pipeline`, {
			method: "POST",
			body: JSON.stringify({ baton: null, requests: [] }),
		});
		expect(res.status).toBe(401);
	});

	it("round-trips every value type and returns the result shape", async () => {
		const out = await pipeline([
			{ type: "sequence", sql: "CREATE TABLE t(i INTEGER, f REAL, s TEXT, b BLOB, n)" },
			exec("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [
				{ type: "integer", value: "-9223372036854775808" },
				{ type: "float", value: 1.5 },
				{ type: "text", value: "héllo" },
				{ type: "blob", base64: Buffer.from([0, 255, 7]).toString("base64") },
				{ type: "null" },
			]),
			exec("SELECT i, f, s, b, n FROM t"),
			{ type: "close" },
		]);
		expect(out.baton).toBeNull();
		expect(out.results[0]).toEqual({ type: "ok", response: { type: "sequence" } });
		const insert = out.results[1].response.result;
		expect(insert.affected_row_count).toBe(1);
		expect(insert.last_insert_rowid).toBe("1");
		const select = out.results[2].response.result;
		expect(select.cols.map((c: { name: string }) => c.name)).toEqual(["i", "f", "s", "b", "n"]);
		expect(select.rows).toEqual([
			[
				{ type: "integer", value: "-9223372036854775808" },
				{ type: "float", value: 1.5 },
				{ type: "text", value: "héllo" },
				{ type: "blob", base64: "AP8H" },
				{ type: "null" },
			],
		]);
	});

	it("an SQL error is {message, code} and the pipeline goes on", async () => {
		const out = await pipeline([
			exec("SELECT * FROM missing"),
			exec("SELECT 1"),
			{ type: "close" },
		]);
		expect(out.results[0].type).toBe("error");
		expect(out.results[0].error.message).toMatch(/no such table/);
		expect(typeof out.results[0].error.code).toBe("string");
		expect(out.results[1].response.result.rows).toEqual([[{ type: "integer", value: "1" }]]);
	});

	it("batch conditions: ok, error, not, and, or, is_autocommit", async () => {
		const out = await pipeline([
			{
				type: "batch",
				batch: {
					steps: [
						{ stmt: { sql: "SELECT 1" } },
						{ stmt: { sql: "SELECT * FROM missing" } },
						{ condition: { type: "ok", step: 0 }, stmt: { sql: "SELECT 2" } },
						{ condition: { type: "ok", step: 1 }, stmt: { sql: "SELECT 3" } },
						{ condition: { type: "error", step: 1 }, stmt: { sql: "SELECT 4" } },
						{
							condition: { type: "not", cond: { type: "ok", step: 0 } },
							stmt: { sql: "SELECT 5" },
						},
						{
							condition: {
								type: "and",
								conds: [
									{ type: "ok", step: 0 },
									{ type: "ok", step: 1 },
								],
							},
							stmt: { sql: "SELECT 6" },
						},
						{
							condition: {
								type: "or",
								conds: [
									{ type: "ok", step: 0 },
									{ type: "ok", step: 1 },
								],
							},
							stmt: { sql: "SELECT 7" },
						},
						{ condition: { type: "is_autocommit" }, stmt: { sql: "BEGIN" } },
						{ condition: { type: "is_autocommit" }, stmt: { sql: "SELECT 9" } },
						{ stmt: { sql: "ROLLBACK" } },
					],
				},
			},
			{ type: "close" },
		]);
		const { step_results, step_errors } = out.results[0].response.result;
		const ran = step_results.map((r: unknown) => r !== null);
		expect(ran).toEqual([true, false, true, false, true, false, false, true, true, false, true]);
		expect(step_errors[1].message).toMatch(/no such table/);
		expect(step_errors.filter((e: unknown) => e !== null)).toHaveLength(1);
	});

	it("a baton keeps its own connection: a transaction is invisible to others until commit", async () => {
		await pipeline([{ type: "sequence", sql: "CREATE TABLE t(x)" }, { type: "close" }]);
		const a = await pipeline([
			exec("BEGIN IMMEDIATE"),
			exec("INSERT INTO t VALUES (1)"),
			{ type: "get_autocommit" },
		]);
		expect(a.baton).toMatch(/^[0-9a-f]+$/);
		expect(a.results[2].response).toEqual({ type: "get_autocommit", is_autocommit: false });
		const other = await pipeline([exec("SELECT count(*) FROM t"), { type: "close" }]);
		expect(other.results[0].response.result.rows[0][0].value).toBe("0");
		const b = await pipeline(
			[exec("COMMIT"), { type: "get_autocommit" }, { type: "close" }],
			a.baton,
		);
		expect(b.results[1].response.is_autocommit).toBe(true);
		expect(b.baton).toBeNull();
		const after = await pipeline([exec("SELECT count(*) FROM t"), { type: "close" }]);
		expect(after.results[0].response.result.rows[0][0].value).toBe("1");
		// a closed baton is gone
		const stale = await fetch(`${server.url}/v2/pipeline`, {
			method: "POST",
			headers: { authorization: `Bearer ${TOKEN}` },
			body: JSON.stringify({ baton: a.baton, requests: [] }),
		});
		expect(stale.status).toBe(400);
	});

	it("store_sql / close_sql / describe", async () => {
		const out = await pipeline([
			{ type: "sequence", sql: "CREATE TABLE t(x INTEGER)" },
			{ type: "store_sql", sql_id: 3, sql: "SELECT x FROM t" },
			{ type: "execute", stmt: { sql_id: 3, want_rows: true } },
			{ type: "describe", sql_id: 3 },
			{ type: "describe", sql: "EXPLAIN SELECT 1" },
			{ type: "close_sql", sql_id: 3 },
			{ type: "execute", stmt: { sql_id: 3, want_rows: true } },
			{ type: "describe", sql: "SELEC nonsense" },
			{ type: "close" },
		]);
		expect(out.results[1].response).toEqual({ type: "store_sql" });
		expect(out.results[2].response.result.cols[0].name).toBe("x");
		expect(out.results[3].response.result).toMatchObject({
			cols: [{ name: "x", decltype: "INTEGER" }],
			is_explain: false,
			is_readonly: true,
		});
		expect(out.results[4].response.result.is_explain).toBe(true);
		expect(out.results[5].response).toEqual({ type: "close_sql" });
		expect(out.results[6].type).toBe("error");
		expect(out.results[7]).toMatchObject({ type: "error", error: { code: "SQLITE_ERROR" } });
	});
});
