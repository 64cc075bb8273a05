// tdata: and mtkruto: locations: the CLI reads a Telegram Desktop folder written by
// @mtcute/convert 0.29.7 (with a passcode, two accounts), converts it to every backend and
// format and back into a new tdata folder, which @mtcute/convert reads again.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
	decodeMtkrutoString,
	encodeMtkrutoString,
	readTdataFolder,
	writeTdataFolder,
} from "@x/session-convert";
import { DcFlags, emptySession, SecretBytes } from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	type MtcuteAccount,
	mtcute,
	mtcuteConvertAvailable,
} from "../../convert/test/mtcute-interop.js";
import {
	bin,
	buildCli,
	cleanup,
	cli,
	cliWithoutDacOverride,
	tempDir,
	uniquePrefix,
} from "./helpers.js";

const hasMtcute = await mtcuteConvertAvailable();
const hasRedis = await serviceAvailable("redis", async () => {
	const r = new Redis({ lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
	await r.connect();
	r.disconnect();
});
const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const hasPg = await serviceAvailable("postgres", async () => {
	const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
	await c.connect();
	await c.end();
});
const schema = `xs_cli_tdata_${process.pid}`;
const prefix = uniquePrefix();

const dir = tempDir();
const source = join(dir, "tdata");
const PASSCODE = "pin-4711-correct";
const env = { X_SESSION_TDATA_PASSCODE: PASSCODE };
const key = (seed: number) =>
	Buffer.from(Array.from({ length: 256 }, (_, i) => (seed * 13 + i * 11 + 5) & 255)).toString(
		"hex",
	);
const accounts = [
	{ userId: "5123456789", mainDcId: 2, keys: [{ dcId: 2, key: key(1) }] },
	{
		userId: "424242",
		mainDcId: 4,
		keys: [
			{ dcId: 4, key: key(2) },
			{ dcId: 2, key: key(3) },
		],
	},
];

beforeAll(() => {
	buildCli();
	if (hasMtcute) mtcute({ op: "write-tdata", path: source, passcode: PASSCODE, accounts });
});
afterAll(async () => {
	cleanup(dir);
	if (hasRedis) {
		const r = new Redis();
		const keys = await r.keys(`${prefix}*`);
		if (keys.length) await r.del(...keys);
		r.disconnect();
	}
	if (hasPg) {
		const c = new pg.Client({ connectionString: PG_URL });
		await c.connect();
		await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await c.end();
	}
});

/** A session with one key on the test DC 2 (Desktop's test address). */
function testDcSession(seed: number) {
	const session = emptySession();
	session.homeDcId = 2;
	session.dcs.push({
		dcId: 2,
		addr: "149.154.167.40:443",
		authKey: new SecretBytes(Buffer.from(key(seed), "hex")),
		firstSalt: 0n,
		timeOffset: 0,
		flags: DcFlags.NONE,
	});
	return session;
}

function hashes(path: string): string[] {
	return readdirSync(path, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile())
		.map((e) => {
			const p = join(e.parentPath, e.name);
			return `${p} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`;
		})
		.sort();
}

describe.skipIf(!hasMtcute)("x-session and Telegram Desktop tdata folders", () => {
	it("inspects an account (#2), with the passcode from X_SESSION_TDATA_PASSCODE; the folder is unchanged", async () => {
		const before = hashes(source);
		const r = await cli(["inspect", `tdata:${source}#2`, "--json"], { env });
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		const report = JSON.parse(r.stdout);
		expect(report).toMatchObject({
			format: "tdata",
			homeDcId: 4,
			dcsWithKeys: [2, 4],
			userId: "424242",
		});
		expect(report.size.bytes).toBeGreaterThan(0);
		expect(r.stdout).not.toContain(PASSCODE);
		const exported = await cli(["export", `tdata:${source}#2`, "--format", "json"], { env });
		expect(exported.code, exported.stderr).toBe(0);
		expect(JSON.parse(exported.stdout).extensions).toEqual({
			"tdata:user-id": "[redacted]",
			"tdata:test-mode": "[redacted]",
		});
		expect(hashes(source)).toEqual(before);
	});

	it("lists the folder's accounts", async () => {
		const r = await cli(["list", `tdata:${source}`, "--json"], { env });
		expect(r.stderr).toBe("");
		expect(JSON.parse(r.stdout)).toEqual({ sessions: ["#1", "#2"] });
	});

	it("says what is wrong: no passcode, a wrong one, an account that does not exist, not tdata", async () => {
		const none = await cli(["inspect", `tdata:${source}`]);
		expect(none.code).toBe(1);
		expect(none.stderr).toMatch(/local passcode.*X_SESSION_TDATA_PASSCODE/);
		const wrong = await cli(["inspect", `tdata:${source}`], {
			env: { X_SESSION_TDATA_PASSCODE: "pin-0000-wrong" },
		});
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toMatch(/passcode is wrong/);
		expect(wrong.stderr).not.toContain("pin-0000-wrong");
		const third = await cli(["inspect", `tdata:${source}#3`], { env });
		expect(third.code).toBe(2);
		expect(third.stderr).toMatch(/account #3 does not exist.*#1, #2/);
		const notTdata = await cli(["inspect", `tdata:${dir}`], { env });
		expect(notTdata.code).toBe(1);
		expect(notTdata.stderr).toMatch(/not a Telegram Desktop tdata folder/);
		expect((await cli(["inspect", `tdata:${join(dir, "nope")}`])).code).toBe(3);
		expect((await cli(["inspect", `tdata:${source}#0`])).code).toBe(2);
	});

	it.skipIf(spawnSync("script", ["--version"]).status !== 0)(
		"on a terminal, asks for the passcode without echoing it (util-linux script gives the pty)",
		async () => {
			const command = `${process.execPath} ${bin} inspect tdata:${source}#2`;
			const child = spawn("script", ["-qec", command, "/dev/null"], {
				env: { ...process.env, X_SESSION_TDATA_PASSCODE: "", X_SESSION_PROGRESS: "0" },
			});
			let output = "";
			let answered = false;
			child.stdout.on("data", (d: Buffer) => {
				output += d.toString();
				if (!answered && output.includes("passcode of")) {
					answered = true;
					child.stdin.write(`${PASSCODE}\r`);
				}
			});
			const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
			expect(answered).toBe(true);
			expect(code, output).toBe(0);
			expect(output).toMatch(/user id\s+424[,.]?242/);
			expect(output).not.toContain(PASSCODE);
		},
	);

	const targets: { name: string; to: string; keepsUser: boolean; skip?: boolean }[] = [
		{ name: "file", to: `file:${join(dir, "a.session")}`, keepsUser: true },
		{ name: "string", to: "string:", keepsUser: true },
		{ name: "sqlite", to: `sqlite:${join(dir, "s.db")}#desk`, keepsUser: true },
		{ name: "libsql", to: `libsql:file:${join(dir, "l.db")}#desk`, keepsUser: true },
		{
			name: "redis",
			to: `redis://127.0.0.1:6379/0?prefix=${prefix}#desk`,
			keepsUser: true,
			skip: !hasRedis,
		},
		{
			name: "postgres",
			to: `${PG_URL.replace(/\/[^/]*$/, "/postgres")}?schema=${schema}#desk`,
			keepsUser: true,
			skip: !hasPg,
		},
		{ name: "mtcute", to: "mtcute:", keepsUser: true },
		{ name: "pyrogram", to: "pyrogram:", keepsUser: true },
		{ name: "telethon", to: "telethon:", keepsUser: false },
		{ name: "gramjs", to: "gramjs:", keepsUser: false },
		{ name: "mtkruto", to: "mtkruto:", keepsUser: false },
	];

	for (const t of targets) {
		it.skipIf(t.skip === true)(
			`tdata -> ${t.name} -> tdata keeps the key and home DC`,
			async () => {
				const there = await cli(["convert", `tdata:${source}#2`, t.to], { env });
				expect(there.stderr).not.toContain(PASSCODE);
				expect(there.code, there.stderr).toBe(0);
				const printed = t.to.endsWith(":") ? there.stdout.trim() : undefined;
				const from = printed !== undefined ? `${t.to}-` : t.to;
				const back = join(dir, `back-${t.name}`);
				const r = await cli(
					["convert", from, `tdata:${back}`, ...(t.keepsUser ? [] : ["--user-id", "424242"])],
					{ input: printed ?? "", env: { X_SESSION_TDATA_PASSCODE: undefined } },
				);
				expect(r.code, r.stderr).toBe(0);
				expect(statSync(back).mode & 0o777).toBe(0o700);
				const read = mtcute<{ accounts: MtcuteAccount[] }>({ op: "read-tdata", path: back });
				const account = read.accounts[0] as MtcuteAccount;
				expect(account.userId).toBe("424242");
				expect(account.mainDcId).toBe(4);
				// one-DC formats keep the home DC's key; x-session stores keep both
				expect(account.keys[0]).toEqual({ dcId: 4, key: key(2) });
				if (["file", "string", "sqlite", "libsql", "redis", "postgres"].includes(t.name))
					expect(account.keys).toEqual(accounts[1]?.keys);
			},
		);
	}

	it("a test-server account stays on the test servers: tdata -> sqlite -> tdata", async () => {
		const from = join(dir, "test-account");
		const session = testDcSession(4);
		await writeTdataFolder(from, [{ session, userId: 77n, testMode: true }]);
		const db = `sqlite:${join(dir, "test-account.db")}#t`;
		const there = await cli(["convert", `tdata:${from}`, db]);
		expect(there.code, there.stderr).toBe(0);
		const back = join(dir, "test-account-back");
		const r = await cli(["convert", db, `tdata:${back}`]);
		expect(r.code, r.stderr).toBe(0);
		const read = await readTdataFolder(back);
		expect(read.extra).toMatchObject({ testMode: true, userId: 77n });
		expect(read.session.dcs.map((d) => d.addr)).toEqual(["149.154.167.40:443"]);
	});

	it("a test account stays one: MTKruto -> MTKruto, MTKruto -> tdata, tdata -> MTKruto", async () => {
		const session = testDcSession(6);
		const testString = encodeMtkrutoString(session, { testMode: true });
		const same = await cli(["convert", "mtkruto:-", "mtkruto:"], { input: testString });
		expect(same.code, same.stderr).toBe(0);
		expect(decodeMtkrutoString(same.stdout.trim()).extra.testMode).toBe(true);
		const folder = join(dir, "from-mtkruto-test");
		const toTdata = await cli(["convert", "mtkruto:-", `tdata:${folder}`], { input: testString });
		expect(toTdata.code, toTdata.stderr).toBe(0);
		const read = await readTdataFolder(folder);
		expect(read.extra.testMode).toBe(true);
		expect(read.session.dcs.map((d) => d.addr)).toEqual(["149.154.167.40:443"]);
		const back = await cli(["convert", `tdata:${folder}`, "mtkruto:"]);
		expect(back.code, back.stderr).toBe(0);
		expect(decodeMtkrutoString(back.stdout.trim()).extra.testMode).toBe(true);
		// Telethon has no test flag: the conversion says so instead of dropping it silently
		const lossy = await cli(["convert", "mtkruto:-", "telethon:"], { input: testString });
		expect(lossy.code, lossy.stderr).toBe(0);
		expect(lossy.stderr).toContain("cannot hold the test-server flag");
	});

	it("a folder that cannot be reached is EACCES, not 'no such folder'", async () => {
		const locked = join(dir, "locked");
		mkdirSync(locked);
		chmodSync(locked, 0o000);
		const target = `tdata:${join(locked, "tdata")}`;
		const run = cliWithoutDacOverride(["inspect", target]);
		chmodSync(locked, 0o700);
		expect(run.status).toBe(1);
		expect(run.stderr).toContain(`cannot reach ${join(locked, "tdata")}: permission denied`);
		expect(run.stderr).not.toContain("no such folder");
	});

	it("names the folder without #1 when no account was given", async () => {
		const r = await cli(["list", `tdata:${source}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(`tdata:${source} is protected by a local passcode`);
		const one = await cli(["inspect", `tdata:${source}#2`]);
		expect(one.stderr).toContain(`tdata:${source}#2 is protected by a local passcode`);
	});

	it("never writes into an existing folder without --force; a passcode from the environment protects a new one", async () => {
		const target = join(dir, "protected");
		const first = await cli(["convert", `tdata:${source}`, `tdata:${target}`], { env });
		expect(first.code, first.stderr).toBe(0);
		const before = hashes(target);
		const again = await cli(["convert", `tdata:${source}#2`, `tdata:${target}`], { env });
		expect(again.code).toBe(1);
		expect(again.stderr).toMatch(/already exists.*--force/);
		expect(hashes(target)).toEqual(before);
		const read = mtcute<{ accounts: MtcuteAccount[] }>({
			op: "read-tdata",
			path: target,
			passcode: PASSCODE,
		});
		expect(read.accounts[0]?.userId).toBe("5123456789");
		const forced = await cli(["convert", `tdata:${source}#2`, `tdata:${target}`, "--force"], {
			env,
		});
		expect(forced.code, forced.stderr).toBe(0);
		expect(
			mtcute<{ accounts: MtcuteAccount[] }>({ op: "read-tdata", path: target, passcode: PASSCODE })
				.accounts[0]?.userId,
		).toBe("424242");
	});
});
