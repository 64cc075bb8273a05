import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { encodeGramjsString } from "@x/session-convert";
import { SecretBytes } from "@x/session-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, telethonAvailable } from "../../convert/test/helpers.js";
import { buildCli, cleanup, cli, sampleSession, tempDir, writeSessionFile } from "./helpers.js";

// What inspect and verify report: sizes as they are on disk, counts in words, the auth key id
// (checked against Telethon's own AuthKey.key_id), and a typo in a string made visible.

const dir = tempDir();
const { session } = sampleSession();
const file = join(dir, "bot.session");
const env = { X_SESSION_PASSPHRASE: "correct horse battery staple" };
const telethon = await telethonAvailable();

beforeAll(() => {
	buildCli();
	writeSessionFile(file, session);
});
afterAll(() => cleanup(dir));

/** Telegram's auth key id, computed here independently of the CLI. */
function keyIdOf(key: Uint8Array): string {
	const digest = createHash("sha1").update(key).digest();
	return digest.readBigUInt64LE(12).toString(16).padStart(16, "0");
}

/** Runs Telethon 1.25: makes a .session file and its StringSession, prints key_id (decimal). */
function telethonSession(path: string): { string: string; keyId: string } {
	const code = `
import json, sys
from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession, StringSession
s = SQLiteSession(sys.argv[1])
s.set_dc(2, "149.154.167.51", 443)
s.auth_key = AuthKey(bytes(range(256)))
s.save()
print(json.dumps({"string": StringSession.save(s), "keyId": str(s.auth_key.key_id)}))
s.close()`;
	const r = spawnSync(PYTHON, ["-c", code, path], { encoding: "utf8" });
	if (r.status !== 0) throw new Error(r.stderr);
	return JSON.parse(r.stdout);
}

/** Telethon's key_id for a StringSession (decimal). */
function telethonKeyId(text: string): string {
	const code = `
import sys
from telethon.sessions import StringSession
print(StringSession(sys.argv[1]).auth_key.key_id)`;
	const r = spawnSync(PYTHON, ["-c", code, text], { encoding: "utf8" });
	if (r.status !== 0) throw new Error(r.stderr);
	return r.stdout.trim();
}

const hexOf = (decimal: string) => BigInt(decimal).toString(16).padStart(16, "0");

describe("inspect: sizes", () => {
	it("an encrypted file's size is its size on disk, envelope included", async () => {
		const target = join(dir, "sealed.session");
		expect(
			(await cli(["convert", `file:${file}`, `file:${target}`, "--encrypt"], { env })).code,
		).toBe(0);
		const r = await cli(["inspect", `file:${target}`, "--json"], { env });
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout).size).toEqual({ bytes: statSync(target).size, of: "file" });
		const human = await cli(["inspect", `file:${target}`], { env });
		expect(human.stdout).toMatch(
			new RegExp(`size\\s+${statSync(target).size.toLocaleString("en-US")} bytes on disk`),
		);
	});

	it("an SQL store's number is said to be the session's v8 size, not the database's", async () => {
		const db = join(dir, "sizes.db");
		expect((await cli(["convert", `file:${file}`, `sqlite:${db}#a`])).code).toBe(0);
		const r = await cli(["inspect", `sqlite:${db}#a`]);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/size\s+[\d,]+ bytes as a v8 session file \(the store keeps rows/);
	});

	it.skipIf(!telethon)(
		"a Telethon file: its real size, schema version and auth key id",
		async () => {
			const path = join(dir, "real.session");
			const made = telethonSession(path);
			const r = await cli(["inspect", `telethon:${path}`, "--json"]);
			expect(r.code).toBe(0);
			const report = JSON.parse(r.stdout);
			expect(report.size).toEqual({ bytes: statSync(path).size, of: "file" });
			expect(report.size.bytes).toBeGreaterThan(0);
			expect(report.format).toBe("telethon-file");
			expect(report.version).toBe(7);
			expect(report.dcs[0].authKeyId).toBe(hexOf(made.keyId));
			expect(report.dcs[0].authKeyId).toBe(keyIdOf(Uint8Array.from({ length: 256 }, (_, i) => i)));
			const human = await cli(["inspect", `telethon:${path}`]);
			expect(human.stdout).toContain(`${hexOf(made.keyId)}  -`);
			expect(human.stdout).toMatch(/format\s+telethon-file v7/);
		},
	);
});

describe("inspect: counts and keys", () => {
	it("separates thousands in human output; JSON stays numeric", async () => {
		const big = sampleSession().session;
		big.updatesState = { pts: 300000, qts: 1234567, date: 1_700_000_000, seq: 4500, channels: [] };
		const path = join(dir, "big.session");
		writeSessionFile(path, big);
		const human = await cli(["inspect", `file:${path}`]);
		expect(human.stdout).toContain("pts 300,000, qts 1,234,567, seq 4,500");
		expect(human.stdout).toMatch(/channel pts\s+0 entries/);
		const json = JSON.parse((await cli(["inspect", `file:${path}`, "--json"])).stdout);
		expect(json.updateState).toMatchObject({ pts: 300000, qts: 1234567, seq: 4500 });
	});

	it("shows every keyed DC's auth key id, and none for a DC without a key", async () => {
		const r = JSON.parse((await cli(["inspect", `file:${file}`, "--json"])).stdout);
		const ids = session.dcs.map((d) => (d.authKey ? keyIdOf(d.authKey.expose()) : null));
		expect(r.dcs.map((d: { authKeyId: string | null }) => d.authKeyId)).toEqual(ids);
	});

	it("a GramJS string whose home DC has a key lists that DC among the DCs with keys", async () => {
		const key = new Uint8Array(256).fill(7);
		const s = sampleSession().session;
		s.homeDcId = 4;
		s.dcs = [
			{
				dcId: 4,
				addr: "149.154.167.91:443",
				authKey: new SecretBytes(key),
				firstSalt: 0n,
				timeOffset: 0,
				flags: 0,
			},
		];
		const r = await cli(["inspect", `gramjs:${encodeGramjsString(s)}`, "--json"]);
		expect(r.code).toBe(0);
		const report = JSON.parse(r.stdout);
		expect(report.dcsWithKeys).toEqual([4]);
		expect(report.dcsWithoutKeys).toEqual([]);
		expect(report.dcs[0].authKeyId).toBe(keyIdOf(key));
	});

	it("one DC and one peer are singular in convert's summary", async () => {
		const s = sampleSession(1).session;
		s.dcs = s.dcs.slice(0, 1);
		s.minPeers = [];
		const path = join(dir, "one.session");
		writeSessionFile(path, s);
		const r = await cli(["convert", `file:${path}`, `file:${join(dir, "one-copy.session")}`]);
		expect(r.stdout).toContain("(1 DC, 1 peer, 0 min peers; verified)");
	});
});

describe.skipIf(!telethon)("a one-character typo in a Telethon string", () => {
	it("cannot be detected offline (no checksum; any 256 bytes are a key), but the auth key id shows it", async () => {
		const { string } = telethonSession(join(dir, "typo.session"));
		// a character inside the auth key, changed to another base64 character
		const at = 100;
		const typo = `${string.slice(0, at)}${string[at] === "A" ? "B" : "A"}${string.slice(at + 1)}`;
		const good = await cli(["verify", "--strict", `telethon:${string}`]);
		const bad = await cli(["verify", "--strict", `telethon:${typo}`]);
		// Telethon itself accepts the typo too: it reads a different key
		expect(bad.code).toBe(0);
		const goodId = /auth key id ([0-9a-f]{16})/.exec(good.stdout)?.[1];
		const badId = /auth key id ([0-9a-f]{16})/.exec(bad.stdout)?.[1];
		expect(goodId).toBe(hexOf(telethonKeyId(string)));
		expect(badId).toBe(hexOf(telethonKeyId(typo)));
		expect(badId).not.toBe(goodId);
		expect(bad.stdout.includes(typo.slice(5, 40))).toBe(false);
	});

	it("a typo in the last character's unused bits is refused", async () => {
		const { string } = telethonSession(join(dir, "slack.session"));
		// the last group encodes 2 bytes: its third character carries 2 bits no byte uses
		const body = string.replace(/=+$/, "");
		const last = body[body.length - 1] as string;
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const flipped = alphabet[alphabet.indexOf(last) ^ 1] as string;
		const typo = `${body.slice(0, -1)}${flipped}${string.slice(body.length)}`;
		const r = await cli(["verify", "--strict", `telethon:${typo}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain("non-zero trailing bits");
	});
});
