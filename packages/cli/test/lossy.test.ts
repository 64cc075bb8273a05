// A conversion names what the target's format cannot hold (computed from what the source has),
// "verified" covers what the target holds, and --strict refuses a lossy conversion (exit 6)
// without writing anything.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { encodeForeignSession } from "@x/session-convert";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, cleanup, cli, sampleSession, tempDir, writeSessionFile } from "./helpers.js";

const dir = tempDir();
// DC 2 (home, keyed), DC 4 (keyed), DC 1 (IPv6, no key); 6 peers, 1 min peer, update state, token
const { session } = sampleSession(6);
const source = join(dir, "src.session");

beforeAll(() => {
	buildCli();
	writeSessionFile(source, session);
});
afterAll(() => cleanup(dir));

const ONE_DC_LOSSES = [
	"the auth key of DC 4",
	"1 other DC address",
	"6 peers",
	"1 min peer",
	"the update state (and 1 channel pts)",
	"the future auth token",
];

describe("lossy conversions say what was dropped; --strict refuses them", () => {
	const cases: [string, string[], string[]][] = [
		["telethon:", [], ONE_DC_LOSSES],
		["gramjs:", [], ONE_DC_LOSSES],
		["mtcute:", [], ONE_DC_LOSSES],
		["pyrogram:", ["--user-id", "12345"], ONE_DC_LOSSES],
		["string:", ["--format", "compact", "--user-id", "12345"], ONE_DC_LOSSES],
	];
	for (const [to, extra, dropped] of cases) {
		it(`${to}${extra[1] === "compact" ? " (compact)" : ""}`, async () => {
			const r = await cli(["convert", `file:${source}`, to, ...extra]);
			expect(r.code, r.stderr).toBe(0);
			expect(r.stdout.trim().length).toBeGreaterThan(40);
			expect(r.stderr).toContain("warning:");
			for (const d of dropped) expect(r.stderr).toContain(d);
			const strict = await cli(["convert", `file:${source}`, to, ...extra, "--strict"]);
			expect(strict.code).toBe(6);
			expect(strict.stdout).toBe("");
			expect(strict.stderr).toContain("nothing written");
			for (const d of dropped) expect(strict.stderr).toContain(d);
		});
	}

	it("telethon: file: the summary says what Telethon holds and what it dropped; --strict writes no file", async () => {
		const target = join(dir, "anon.session");
		const strict = await cli(["convert", `file:${source}`, `telethon:${target}`, "--strict"]);
		expect(strict.code).toBe(6);
		expect(existsSync(target)).toBe(false);
		const r = await cli(["convert", `file:${source}`, `telethon:${target}`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain("verified what a Telethon session file holds; dropped: ");
		expect(r.stdout).toContain("the auth key of DC 4");
		expect(r.stdout).toContain("1 min peer");
		expect(r.stdout).toContain("the future auth token");
		// sampleSession has a community and a channel without access hash: no Telethon form
		expect(r.stdout).toContain("2 peers Telethon cannot store");
		expect(r.stdout).not.toContain("update state");
	});

	it("x-session targets hold the whole session: plain 'verified', and --strict passes", async () => {
		const r = await cli(["convert", `file:${source}`, `sqlite:${join(dir, "s.db")}`, "--strict"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/; verified\)\n$/);
		expect(r.stderr).toBe("");
	});

	it("a bot's mtcute string to a file drops the user id and the bot flag, and says so", async () => {
		const text = encodeForeignSession(session, {
			format: "mtcute",
			self: { userId: 4242n, isBot: true },
		});
		const target = join(dir, "bot.session");
		const strict = await cli(["convert", `mtcute:${text}`, `file:${target}`, "--strict"]);
		expect(strict.code).toBe(6);
		expect(strict.stderr).toContain("the account's own user id, the bot flag");
		expect(existsSync(target)).toBe(false);
		const r = await cli(["convert", `mtcute:${text}`, `file:${target}`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain("dropped: the account's own user id, the bot flag");
		// and back to mtcute the bot flag is kept (it was written as false before)
		const back = await cli(["convert", `mtcute:${text}`, "pyrogram:"]);
		expect(back.code, back.stderr).toBe(0);
		expect(back.stderr).not.toContain("bot flag");
	});
});

describe("--overwrite-unreadable", () => {
	it("a file target that cannot be read is replaced only with the flag; a refusal leaves its bytes", async () => {
		const { readFileSync, writeFileSync } = await import("node:fs");
		const target = join(dir, "unreadable.session");
		writeFileSync(target, Buffer.from("not a session file at all, but someone's data"), {
			mode: 0o600,
		});
		const bytes = readFileSync(target);
		const plain = await cli(["convert", `file:${source}`, `file:${target}`]);
		expect(plain.code).toBe(1);
		expect(plain.stderr).toContain("data that does not decode");
		const forced = await cli(["convert", `file:${source}`, `file:${target}`, "--force"]);
		expect(forced.code).toBe(1);
		expect(forced.stderr).toContain("--overwrite-unreadable");
		expect(readFileSync(target).equals(bytes)).toBe(true);
		const r = await cli(["convert", `file:${source}`, `file:${target}`, "--overwrite-unreadable"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain("verified");
		const notFile = await cli([
			"convert",
			`file:${source}`,
			`sqlite:${join(dir, "u.db")}`,
			"--overwrite-unreadable",
		]);
		expect(notFile.code).toBe(2);
	});

	it("a file encrypted with another passphrase needs --force and --overwrite-unreadable", async () => {
		const { readFileSync } = await import("node:fs");
		const target = join(dir, "other-key.session");
		const env = { X_SESSION_PASSPHRASE: "the first passphrase 1" };
		expect(
			(await cli(["convert", `file:${source}`, `file:${target}`, "--encrypt"], { env })).code,
		).toBe(0);
		const bytes = readFileSync(target);
		const other = { X_SESSION_PASSPHRASE: "another passphrase 22" };
		const forced = await cli(
			["convert", `file:${source}`, `file:${target}`, "--force", "--encrypt"],
			{ env: other },
		);
		expect(forced.code).toBe(1);
		expect(forced.stderr).toContain("--overwrite-unreadable");
		expect(forced.stderr).not.toContain("another passphrase");
		expect(readFileSync(target).equals(bytes)).toBe(true);
		const r = await cli(
			[
				"convert",
				`file:${source}`,
				`file:${target}`,
				"--force",
				"--encrypt",
				"--overwrite-unreadable",
			],
			{ env: other },
		);
		expect(r.code, r.stderr).toBe(0);
	});
});

describe("a Pyrogram file's account facts", () => {
	it("a bot's Pyrogram file names its user id and bot flag as dropped by a file: target, and keeps them in a Pyrogram string", async () => {
		const { default: Database } = await import("better-sqlite3");
		const path = join(dir, "bot-pyrogram.session");
		const db = new Database(path);
		db.exec(`CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, api_id INTEGER, test_mode INTEGER, auth_key BLOB, date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
			CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL, username TEXT, phone_number TEXT, last_update_on INTEGER NOT NULL DEFAULT 0);
			CREATE TABLE version (number INTEGER PRIMARY KEY);
			INSERT INTO version VALUES (3);`);
		db.prepare(
			"INSERT INTO sessions (dc_id, api_id, test_mode, auth_key, date, user_id, is_bot) VALUES (2, 1, 0, ?, 1700000000, 424242, 1)",
		).run(Buffer.alloc(256, 9));
		db.close();
		const r = await cli(["convert", `pyrogram:${path}`, `file:${join(dir, "from-pyro.session")}`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain("dropped: the account's own user id, the bot flag");
		const s = await cli(["convert", `pyrogram:${path}`, "pyrogram:", "--strict"]);
		expect(s.code, s.stderr).toBe(0);
	});
});
