import { join } from "node:path";
import { serviceAvailable } from "@x/session-core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	buildCli,
	cleanup,
	cli,
	leakedSecret,
	sampleSession,
	tempDir,
	writeSessionFile,
} from "./helpers.js";

const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const available = await serviceAvailable("postgres", async () => {
	const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
	await c.connect();
	await c.end();
});
const schema = `xs_cli_${process.pid}`;
const dir = tempDir();
const { session, secrets } = sampleSession();
const file = join(dir, "bot.session");

beforeAll(() => {
	buildCli();
	writeSessionFile(file, session);
});
afterAll(async () => {
	cleanup(dir);
	if (!available) return;
	const c = new pg.Client({ connectionString: PG_URL });
	await c.connect();
	await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
	await c.end();
});

describe.skipIf(!available)("x-session on PostgreSQL", () => {
	it("converts into a schema, lists, inspects and deletes; the password never shows", async () => {
		const where = `${PG_URL}?schema=${schema}`;
		const r = await cli(["convert", `file:${file}`, `${where}#bot`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain(`postgres://127.0.0.1:5432/postgres?schema=${schema}#bot`);
		expect((await cli(["list", where])).stdout).toBe("bot\n");
		const inspect = await cli(["inspect", `${where}#bot`, "--json"]);
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout).homeDcId).toBe(2);
		expect(leakedSecret(inspect.stdout + r.stdout, secrets)).toBeUndefined();
		expect((await cli(["delete", `${where}#bot`, "--yes"])).code).toBe(0);
		expect((await cli(["list", where])).stdout).toBe("");
		const bad = await cli(["inspect", "postgres://nobody:pw-hidden-42@127.0.0.1:1/x#a"]);
		expect(bad.code).not.toBe(0);
		expect(bad.stderr).not.toContain("pw-hidden-42");
	}, 60_000);

	it("convert --encrypt seals every key and token in the rows; rekey --decrypt opens them again", async () => {
		const where = `${PG_URL}?schema=${schema}#enc`;
		const env = { X_SESSION_PASSPHRASE: "pg passphrase 7781" };
		const r = await cli(["convert", `file:${file}`, where, "--encrypt"], { env });
		expect(r.code, r.stderr).toBe(0);
		const dump = async () => {
			const c = new pg.Client({ connectionString: PG_URL });
			await c.connect();
			try {
				const tables = await c.query(
					"SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
					[schema],
				);
				let text = "";
				for (const { table_name } of tables.rows) {
					const rows = await c.query(`SELECT * FROM "${schema}"."${table_name}"`);
					for (const row of rows.rows)
						for (const v of Object.values(row))
							text += Buffer.isBuffer(v) ? v.toString("hex") : String(v);
				}
				return text;
			} finally {
				await c.end();
			}
		};
		const hexOf = (b: Uint8Array) => Buffer.from(b.subarray(0, 16)).toString("hex");
		const stored = await dump();
		for (const s of secrets) expect(stored).not.toContain(hexOf(s));
		const inspect = await cli(["inspect", where, "--json"], { env });
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout).format).toBe("postgres (encrypted)");
		expect(
			(await cli(["inspect", where], { env: { X_SESSION_PASSPHRASE: "wrong one" } })).code,
		).toBe(1);
		const off = await cli(["rekey", where, "--decrypt"], { env });
		expect(off.code, off.stderr).toBe(0);
		const plain = await dump();
		for (const s of secrets) expect(plain).toContain(hexOf(s));
		for (const out of [r, inspect, off])
			expect(leakedSecret(out.stdout + out.stderr, secrets)).toBeUndefined();
	}, 60_000);
});
