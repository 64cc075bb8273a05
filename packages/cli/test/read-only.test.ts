// Read-only commands (inspect, list, verify, export) change nothing on any backend, and a refused
// convert onto an existing session changes nothing either: folders are hashed file by file,
// PostgreSQL tables and Redis keys compared before and after.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serviceAvailable } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferogramDatabase } from "../../core/test/sql/reference-database.js";
import {
	buildCli,
	type CliResult,
	cleanup,
	cli,
	sampleSession,
	tempDir,
	uniquePrefix,
	writeSessionFile,
} from "./helpers.js";

const dir = tempDir();
const { session } = sampleSession(20);
const source = join(dir, "source.session");

beforeAll(() => {
	buildCli();
	writeSessionFile(source, session);
});
afterAll(() => cleanup(dir));

/** Every file of `folder` (recursively) with the SHA-256 of its bytes and its mode. */
function snapshot(folder: string): string[] {
	const out: string[] = [];
	for (const name of readdirSync(folder).sort()) {
		const p = join(folder, name);
		const st = statSync(p);
		if (st.isDirectory()) out.push(...snapshot(p).map((l) => `${name}/${l}`));
		else
			out.push(
				`${name} ${(st.mode & 0o777).toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`,
			);
	}
	return out;
}

/** A Telethon `.session` file (its own tables, no x-session or ferogram ones). */
function telethonFile(path: string): void {
	writeFileSync(path, "", { mode: 0o644 });
	const db = new Database(path);
	db.exec(`
		CREATE TABLE version (version integer primary key);
		CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer);
		CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer);
		INSERT INTO version VALUES (7);
	`);
	db.close();
}

const READS = (where: string) => [
	["inspect", where],
	["inspect", where, "--json"],
	["verify", where],
	["export", where, "--format", "json"],
	["export", where, "--format", "native"],
];

/** Runs every read-only command on `where` (and `list` on `listWhere`); returns the results. */
async function readAll(where: string, listWhere: string): Promise<CliResult[]> {
	const out: CliResult[] = [];
	for (const args of READS(where)) out.push(await cli(args));
	out.push(await cli(["list", listWhere]));
	out.push(await cli(["list", listWhere, "--json"]));
	return out;
}

describe("read-only commands change no file (sqlite:, libsql:, file:)", () => {
	it("sqlite: a ferogram/layer database is read as it is: no import, no backup, no -wal/-shm", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "fero.db");
			ferogramDatabase(db);
			const before = snapshot(folder);
			const results = await readAll(`sqlite:${db}`, `sqlite:${db}`);
			const [inspect, json] = results;
			expect(inspect?.code, inspect?.stderr).toBe(0);
			expect(inspect?.stderr).toContain("ferogram/layer database, read as it is");
			expect(JSON.parse(json?.stdout ?? "").homeDcId).toBe(2);
			for (const r of results) expect(r.code, r.stderr).toBe(0);
			expect(results.at(-2)?.stdout).toBe("default\n");
			expect(snapshot(folder)).toEqual(before);
		} finally {
			cleanup(folder);
		}
	}, 60_000);

	it("sqlite: a database of ours (WAL) gets no lease row, no schema step and no file beside it", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "s.db");
			expect((await cli(["convert", `file:${source}`, `sqlite:${db}#bot`])).code).toBe(0);
			const before = snapshot(folder);
			expect(before.map((l) => l.split(" ")[0])).toEqual(["s.db"]);
			const results = await readAll(`sqlite:${db}#bot`, `sqlite:${db}`);
			for (const r of results) expect(r.code, r.stderr).toBe(0);
			expect(snapshot(folder)).toEqual(before);
		} finally {
			cleanup(folder);
		}
	}, 60_000);

	it("sqlite: a database of ours read as file:, telethon: or pyrogram: (a mistake) gets no file beside it", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "s.db");
			expect((await cli(["convert", `file:${source}`, `sqlite:${db}#bot`])).code).toBe(0);
			const before = snapshot(folder);
			for (const location of [`file:${db}`, `telethon:${db}`, `pyrogram:${db}`]) {
				const r = await cli(["inspect", location]);
				expect(r.code, location).not.toBe(0);
				expect(snapshot(folder), location).toEqual(before);
			}
		} finally {
			cleanup(folder);
		}
	}, 60_000);

	it("sqlite: a Telethon .session is not touched (no xs_ tables, no -wal/-shm) and the hint names telethon:", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "anon.session");
			telethonFile(db);
			const before = snapshot(folder);
			const results = await readAll(`sqlite:${db}`, `sqlite:${db}`);
			expect(results[0]?.code).toBe(3);
			expect(results[0]?.stderr).toContain("telethon:PATH");
			expect(results.at(-2)?.code).toBe(0);
			expect(results.at(-2)?.stdout).toBe("");
			expect(snapshot(folder)).toEqual(before);
		} finally {
			cleanup(folder);
		}
	}, 60_000);

	it("libsql: a database of ours and a ferogram database stay byte for byte", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "l.db");
			const fero = join(folder, "fero.db");
			// written through sqlite: (a database libSQL wrote keeps its -wal and -shm files)
			expect((await cli(["convert", `file:${source}`, `sqlite:${db}#bot`])).code).toBe(0);
			ferogramDatabase(fero);
			const before = snapshot(folder);
			for (const r of await readAll(`libsql:file:${db}#bot`, `libsql:file:${db}`))
				expect(r.code, r.stderr).toBe(0);
			const fr = await readAll(`libsql:file:${fero}`, `libsql:file:${fero}`);
			for (const r of fr) expect(r.code, r.stderr).toBe(0);
			expect(JSON.parse(fr[1]?.stdout ?? "").homeDcId).toBe(2);
			expect(snapshot(folder)).toEqual(before);
		} finally {
			cleanup(folder);
		}
	}, 90_000);

	it("libsql: a database libSQL wrote (its -wal and -shm kept beside it) stays byte for byte", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "l.db");
			expect((await cli(["convert", `file:${source}`, `libsql:file:${db}#bot`])).code).toBe(0);
			const before = snapshot(folder);
			for (const r of await readAll(`libsql:file:${db}#bot`, `libsql:file:${db}`))
				expect(r.code, r.stderr).toBe(0);
			expect(snapshot(folder)).toEqual(before);
		} finally {
			cleanup(folder);
		}
	}, 60_000);

	it("file: inspect, verify and export leave no lock file and no change", async () => {
		const folder = tempDir();
		try {
			const f = join(folder, "bot.session");
			writeSessionFile(f, session);
			const before = snapshot(folder);
			for (const args of READS(`file:${f}`)) {
				const r = await cli(args);
				expect(r.code, r.stderr).toBe(0);
			}
			expect(snapshot(folder)).toEqual(before);
		} finally {
			cleanup(folder);
		}
	}, 60_000);
});

describe("x-session migrate", () => {
	it("imports a ferogram database only when asked, keeps a 0600 backup and says the Rust client cannot use the file", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "fero.db");
			ferogramDatabase(db);
			const convert = await cli(["convert", `file:${source}`, `sqlite:${db}`, "--force"]);
			expect(convert.code).toBe(1);
			expect(convert.stderr).toContain("x-session migrate");
			const r = await cli(["migrate", `sqlite:${db}`]);
			expect(r.code, r.stderr).toBe(0);
			expect(r.stdout).toContain("can no longer use this file");
			const backup = readdirSync(folder).find((n) => n.includes("ferogram-backup"));
			expect(backup).toBeDefined();
			expect(r.stdout).toContain(backup as string);
			expect(statSync(join(folder, backup as string)).mode & 0o777).toBe(0o600);
			const copy = new Database(join(folder, backup as string), { readonly: true });
			expect(copy.prepare("SELECT COUNT(*) AS n FROM peers").get()).toEqual({ n: 3 });
			copy.close();
			const inspect = await cli(["inspect", `sqlite:${db}`, "--json"]);
			expect(JSON.parse(inspect.stdout).homeDcId).toBe(2);
			expect(inspect.stderr).toBe("");
			const again = await cli(["migrate", `sqlite:${db}`]);
			expect(again.code).toBe(0);
			expect(again.stdout).toContain("nothing imported");
			const telethon = join(folder, "anon.session");
			telethonFile(telethon);
			const t = snapshot(folder);
			const refused = await cli(["migrate", `sqlite:${telethon}`]);
			expect(refused.code).toBe(1);
			expect(refused.stderr).toContain("not a ferogram/layer database");
			expect(snapshot(folder)).toEqual(t);
			expect((await cli(["migrate", `file:${source}`])).code).toBe(2);
			// libsql: too, its backup made with VACUUM INTO
			const lfero = join(folder, "lfero.db");
			ferogramDatabase(lfero);
			const l = await cli(["migrate", `libsql:file:${lfero}`]);
			expect(l.code, l.stderr).toBe(0);
			expect(l.stdout).toContain("can no longer use this file");
			expect(readdirSync(folder).some((n) => n.startsWith("lfero.db.ferogram-backup"))).toBe(true);
			const li = await cli(["inspect", `libsql:file:${lfero}`, "--json"]);
			expect(JSON.parse(li.stdout).homeDcId).toBe(2);
		} finally {
			cleanup(folder);
		}
	}, 60_000);
});

describe("an x-session database in an older schema", () => {
	it("is not migrated by a read (the error says x-session migrate), and x-session migrate brings it forward", async () => {
		const { MIGRATIONS } = await import("@x/session-core/sql");
		const folder = tempDir();
		try {
			const db = join(folder, "old.db");
			writeFileSync(db, "", { mode: 0o600 });
			const raw = new Database(db);
			for (const step of MIGRATIONS.slice(0, 2)) for (const sql of step) raw.exec(sql);
			raw.pragma("user_version = 2");
			raw.prepare("INSERT INTO xs_sessions (session_id, home_dc_id) VALUES ('default', 4)").run();
			raw.close();
			const before = snapshot(folder);
			const inspect = await cli(["inspect", `sqlite:${db}`]);
			expect(inspect.code).toBe(1);
			expect(inspect.stderr).toContain("x-session migrate");
			expect(snapshot(folder)).toEqual(before);
			const r = await cli(["migrate", `sqlite:${db}`]);
			expect(r.code, r.stderr).toBe(0);
			expect(r.stdout).toContain("brought forward from schema version 2");
			const after = await cli(["inspect", `sqlite:${db}`, "--json"]);
			expect(after.code, after.stderr).toBe(0);
			expect(JSON.parse(after.stdout).homeDcId).toBe(4);
		} finally {
			cleanup(folder);
		}
	}, 60_000);
});

describe("a refused convert onto an existing session writes nothing", () => {
	it("sqlite:, libsql: and file: targets stay byte for byte", async () => {
		const folder = tempDir();
		try {
			const db = join(folder, "s.db");
			const f = join(folder, "t.session");
			expect((await cli(["convert", `file:${source}`, `sqlite:${db}#bot`])).code).toBe(0);
			expect(
				(await cli(["convert", `file:${source}`, `sqlite:${join(folder, "l.db")}#bot`])).code,
			).toBe(0);
			writeSessionFile(f, session);
			const before = snapshot(folder);
			for (const to of [
				`sqlite:${db}#bot`,
				`libsql:file:${join(folder, "l.db")}#bot`,
				`file:${f}`,
			]) {
				const r = await cli(["convert", `file:${source}`, to]);
				expect(r.code, to).toBe(1);
				expect(r.stderr).toContain("already holds a session; pass --force");
				expect(snapshot(folder), to).toEqual(before);
			}
		} finally {
			cleanup(folder);
		}
	}, 60_000);
});

const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const pgAvailable = await serviceAvailable("postgres", async () => {
	const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
	await c.connect();
	await c.end();
});

describe.skipIf(!pgAvailable)("PostgreSQL: reads and refusals change nothing", () => {
	const schema = `xs_ro_${process.pid}`;
	const fresh = `xs_ro_none_${process.pid}`;
	const c = new pg.Client({ connectionString: PG_URL });
	beforeAll(() => c.connect());
	afterAll(async () => {
		await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await c.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
		await c.end();
	});
	/** Every row of every table of the schema, as text (leases and the schema version included). */
	async function rows(s: string): Promise<string[]> {
		const tables = await c.query(
			"SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename",
			[s],
		);
		const out: string[] = [];
		for (const { tablename } of tables.rows) {
			const r = await c.query(`SELECT t::text AS row FROM "${s}"."${tablename}" t ORDER BY 1`);
			out.push(`${tablename}: ${r.rows.map((x) => x.row).join(" | ")}`);
		}
		return out;
	}

	/** Rows inserted, updated or deleted in the schema's tables since the server started. */
	async function tupleWrites(s: string): Promise<number> {
		await c.query("SELECT pg_stat_clear_snapshot()");
		const r = await c.query(
			"SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)::int AS n FROM pg_stat_user_tables WHERE schemaname = $1",
			[s],
		);
		return r.rows[0].n;
	}

	it("inspect and list create no schema where there is none", async () => {
		const where = `${PG_URL}?schema=${fresh}`;
		const results = await readAll(`${where}#bot`, where);
		expect(results[0]?.code).toBe(3);
		expect(results.at(-2)?.code, results.at(-2)?.stderr).toBe(0);
		const s = await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [fresh]);
		expect(s.rowCount).toBe(0);
	}, 60_000);

	it("reads take no lease and change no row; a refused convert changes no row", async () => {
		const where = `${PG_URL}?schema=${schema}`;
		expect((await cli(["convert", `file:${source}`, `${where}#bot`])).code).toBe(0);
		const before = await rows(schema);
		expect(before.find((l) => l.startsWith("xs_leases:"))).toBe("xs_leases: ");
		for (const r of await readAll(`${where}#bot`, where)) expect(r.code, r.stderr).toBe(0);
		expect(await rows(schema)).toEqual(before);
		// a lease row written and deleted again leaves the rows as they were: the server's
		// statistics count it (flushed when the CLI's connections end)
		await new Promise((r) => setTimeout(r, 1500));
		const writes = await tupleWrites(schema);
		const refused = await cli(["convert", `file:${source}`, `${where}#bot`]);
		expect(refused.code).toBe(1);
		expect(await rows(schema)).toEqual(before);
		await new Promise((r) => setTimeout(r, 1500));
		expect(await tupleWrites(schema)).toBe(writes);
	}, 60_000);
});

const redis = new Redis({
	host: "127.0.0.1",
	port: 6379,
	lazyConnect: true,
	maxRetriesPerRequest: 1,
	retryStrategy: () => null,
});
redis.on("error", () => {});
const redisAvailable = await serviceAvailable("redis", async () => {
	await redis.connect();
	await redis.ping();
});

describe.skipIf(!redisAvailable)("Redis: reads and refusals change no key", () => {
	const prefix = uniquePrefix();
	afterAll(async () => {
		const keys = await redis.keys(`${prefix}*`);
		if (keys.length) await redis.del(...keys);
		redis.disconnect();
	});
	/** Every key under the prefix with its DUMP and TTL. */
	async function keys(): Promise<string[]> {
		const names = (await redis.keys(`${prefix}*`)).sort();
		const out: string[] = [];
		for (const k of names)
			out.push(`${k} ${(await redis.dumpBuffer(k))?.toString("hex")} ${await redis.pttl(k)}`);
		return out;
	}

	it("inspect, list, verify, export and a refused convert leave every key as it was", async () => {
		const url = (id: string) => `redis://127.0.0.1:6379/0?prefix=${prefix}#${id}`;
		expect((await cli(["convert", `file:${source}`, url("bot")])).code).toBe(0);
		const before = await keys();
		expect(before.length).toBeGreaterThan(0);
		for (const r of await readAll(url("bot"), url("bot"))) expect(r.code, r.stderr).toBe(0);
		expect(await keys()).toEqual(before);
		const none = await cli(["inspect", url("nobody")]);
		expect(none.code).toBe(3);
		const refused = await cli(["convert", `file:${source}`, url("bot")]);
		expect(refused.code).toBe(1);
		expect(await keys()).toEqual(before);
	}, 60_000);
});
