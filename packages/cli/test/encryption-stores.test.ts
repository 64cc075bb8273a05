// Encryption at rest of SQL and Redis stores through the built CLI: convert --encrypt, reading
// encrypted sources, and rekey (rotation, switching on, switching off) on real SQLite files and
// the real Redis, checking the stored bytes themselves.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNativeString, decodeSession, sessionsEqual } from "@x/session-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	buildCli,
	type CliResult,
	cleanup,
	cli,
	leakedSecret,
	sampleSession,
	sharedRedis,
	tempDir,
	uniquePrefix,
	writeSessionFile,
} from "./helpers.js";

const dir = tempDir();
const { session, secrets } = sampleSession(40);
const plain = join(dir, "plain.session");
const OLD = "correct horse battery staple";
const NEW = "tr0ub4dor & 3, rotated";
const HEX_KEY = "5a".repeat(32);
const passphrases = [OLD, NEW, HEX_KEY];

/** Every output of the CLI must be free of key bytes, tokens and the secrets in the environment. */
function clean(r: CliResult): CliResult {
	const all = r.stdout + r.stderr;
	expect(leakedSecret(all, secrets), all).toBeUndefined();
	for (const p of passphrases) expect(all).not.toContain(p);
	return r;
}
const run = async (args: string[], env: Record<string, string | undefined> = {}) =>
	clean(
		await cli(args, {
			env: {
				X_SESSION_PASSPHRASE: undefined,
				X_SESSION_KEY: undefined,
				X_SESSION_NEW_PASSPHRASE: undefined,
				X_SESSION_NEW_KEY: undefined,
				...env,
			},
		}),
	);

/** The first secret found in stored bytes (as raw bytes, hex or base64), or `undefined`. */
function storedSecret(bytes: string): string | undefined {
	for (const secret of secrets)
		for (const at of [0, 8, secret.length - 16]) {
			const raw = Buffer.from(secret.subarray(at, at + 16)).toString("latin1");
			if (bytes.includes(raw)) return `raw bytes at ${at}`;
		}
	return leakedSecret(bytes, secrets);
}

/** The database file and its WAL/journal, as one latin1 string. */
function sqliteBytes(path: string): string {
	return ["", "-wal", "-journal"]
		.map((s) => path + s)
		.filter((p) => existsSync(p))
		.map((p) => readFileSync(p).toString("latin1"))
		.join("");
}

/** The session read back as a plain v8 file, decrypted with `env`. */
async function readBack(location: string, env: Record<string, string>, name: string) {
	const out = join(dir, `${name}.session`);
	const r = await run(["convert", location, `file:${out}`, "--force"], env);
	expect(r.code, r.stderr).toBe(0);
	return decodeSession(new Uint8Array(readFileSync(out)));
}

beforeAll(() => {
	buildCli();
	writeSessionFile(plain, session);
});
afterAll(() => cleanup(dir));

describe("x-session encryption of SQLite stores", () => {
	it("convert --encrypt stores only envelopes; the right key reads it, a wrong or missing key fails typed", async () => {
		const db = join(dir, "enc.db");
		const loc = `sqlite:${db}#bot`;
		const r = await run(["convert", `file:${plain}`, loc, "--encrypt"], {
			X_SESSION_PASSPHRASE: OLD,
		});
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/^converted .* verified\)\n$/);
		expect(storedSecret(sqliteBytes(db))).toBeUndefined();

		const inspect = await run(["inspect", loc, "--json"], { X_SESSION_PASSPHRASE: OLD });
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout)).toMatchObject({ format: "sqlite (encrypted)", homeDcId: 2 });
		expect(
			sessionsEqual(await readBack(loc, { X_SESSION_PASSPHRASE: OLD }, "enc-back"), session),
		).toBe(true);

		const wrong = await run(["inspect", loc], { X_SESSION_PASSPHRASE: NEW });
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toMatch(
			/^x-session: \[sqlite\] the encryption key or passphrase is wrong\n$/,
		);
		const missing = await run(["verify", loc]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain("is encrypted; set X_SESSION_PASSPHRASE");
		// an encrypted source converts into an encrypted string with the same secret
		const str = await run(["convert", loc, "string:", "--encrypt"], { X_SESSION_PASSPHRASE: OLD });
		expect(str.code, str.stderr).toBe(0);
		expect(str.stdout).toMatch(/^xse1_/);
	});

	it("rekey rotates, switches on and off in place, verified each time", async () => {
		const db = join(dir, "rekey.db");
		const loc = `sqlite:${db}#bot`;
		expect((await run(["convert", `file:${plain}`, loc])).code).toBe(0);
		// the plain store holds the key: the checks below can see a key
		expect(storedSecret(sqliteBytes(db))).toBeDefined();

		const on = await run(["rekey", loc], { X_SESSION_NEW_PASSPHRASE: OLD });
		expect(on.code, on.stderr).toBe(0);
		expect(on.stdout).toBe(
			`sqlite:${db}#bot: encrypted (2 auth keys and the future auth token; verified)\n`,
		);
		expect(storedSecret(sqliteBytes(db))).toBeUndefined();
		expect((await run(["inspect", loc])).code).toBe(2);

		const rotated = await run(["rekey", loc], {
			X_SESSION_PASSPHRASE: OLD,
			X_SESSION_NEW_KEY: HEX_KEY,
		});
		expect(rotated.code, rotated.stderr).toBe(0);
		expect(rotated.stdout).toContain("re-encrypted with the new secret");
		expect((await run(["inspect", loc], { X_SESSION_PASSPHRASE: OLD })).code).toBe(1);
		expect(sessionsEqual(await readBack(loc, { X_SESSION_KEY: HEX_KEY }, "rot"), session)).toBe(
			true,
		);
		expect(storedSecret(sqliteBytes(db))).toBeUndefined();

		// rotating with the wrong current secret changes nothing
		const bad = await run(["rekey", loc], {
			X_SESSION_PASSPHRASE: NEW,
			X_SESSION_NEW_PASSPHRASE: OLD,
		});
		expect(bad.code).toBe(1);
		expect(bad.stderr).toBe(
			"x-session: [sqlite] data was encrypted with a raw key, not a passphrase\n",
		);
		expect(sessionsEqual(await readBack(loc, { X_SESSION_KEY: HEX_KEY }, "rot2"), session)).toBe(
			true,
		);

		const off = await run(["rekey", loc, "--decrypt"], { X_SESSION_KEY: HEX_KEY });
		expect(off.code, off.stderr).toBe(0);
		expect(off.stdout).toContain(": decrypted (");
		const inspect = await run(["inspect", loc, "--json"]);
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout).format).toBe("sqlite");
		expect(sessionsEqual(await readBack(loc, {}, "off"), session)).toBe(true);
	});

	it("rekey refuses what it cannot do, and works on files and strings", async () => {
		const none = await run(["rekey", `file:${plain}`]);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain("X_SESSION_NEW_PASSPHRASE");
		const both = await run(["rekey", `file:${plain}`, "--decrypt"], {
			X_SESSION_NEW_PASSPHRASE: NEW,
		});
		expect(both.code).toBe(2);
		const foreign = await run(["rekey", "telethon:1abc"], { X_SESSION_NEW_PASSPHRASE: NEW });
		expect(foreign.code).toBe(2);
		const telethonTarget = await run(["convert", `file:${plain}`, "telethon:", "--encrypt"], {
			X_SESSION_PASSPHRASE: OLD,
		});
		expect(telethonTarget.code).toBe(2);
		expect(telethonTarget.stdout).toBe("");

		const f = join(dir, "rekey.session");
		writeSessionFile(f, session);
		const on = await run(["rekey", `file:${f}`], { X_SESSION_NEW_PASSPHRASE: NEW });
		expect(on.code, on.stderr).toBe(0);
		expect(readFileSync(f).subarray(0, 3).toString()).toBe("XSE");
		expect(storedSecret(readFileSync(f).toString("latin1"))).toBeUndefined();

		const str = await run(["convert", `file:${f}`, "string:", "--encrypt"], {
			X_SESSION_PASSPHRASE: NEW,
		});
		expect(str.code, str.stderr).toBe(0);
		const plainString = await cli(["rekey", `string:${str.stdout.trim()}`, "--decrypt"], {
			env: { X_SESSION_PASSPHRASE: NEW },
		});
		expect(plainString.code, plainString.stderr).toBe(0);
		expect(sessionsEqual(decodeNativeString(plainString.stdout.trim()), session)).toBe(true);
	});
});

const { client, available } = await sharedRedis();
const prefix = uniquePrefix();
const url = (id: string) => `redis://127.0.0.1:6379/0?prefix=${prefix}#${id}`;

/** Every key and value under the test prefix, whatever the type, as one latin1 string. */
async function redisBytes(): Promise<string> {
	const parts: Buffer[] = [];
	for (const key of await client.keysBuffer(`${prefix}*`)) {
		parts.push(key);
		const type = await client.type(key);
		if (type === "string") parts.push((await client.getBuffer(key)) ?? Buffer.alloc(0));
		else if (type === "hash")
			for (const [field, value] of Object.entries(await client.hgetallBuffer(key)))
				parts.push(Buffer.from(field, "latin1"), value);
		else if (type === "set") parts.push(...(await client.smembersBuffer(key)));
		else if (type === "zset") parts.push(...(await client.zrangeBuffer(key, "0", "-1")));
		else if (type === "list") parts.push(...(await client.lrangeBuffer(key, 0, -1)));
		else throw new Error(`unexpected Redis type ${type}`);
	}
	return Buffer.concat(parts).toString("latin1");
}

afterAll(async () => {
	if (!available) return;
	const keys = await client.keys(`${prefix}*`);
	if (keys.length) await client.del(...keys);
	await client.quit();
});

describe.skipIf(!available)("x-session encryption of Redis stores", () => {
	it("convert --encrypt, read back, wrong key, rotation and decryption in place", async () => {
		const loc = url("bot");
		const r = await run(["convert", `file:${plain}`, loc, "--encrypt"], {
			X_SESSION_KEY: HEX_KEY,
		});
		expect(r.code, r.stderr).toBe(0);
		const stored = await redisBytes();
		expect(stored.length).toBeGreaterThan(1000);
		expect(storedSecret(stored)).toBeUndefined();

		const inspect = await run(["inspect", loc, "--json"], { X_SESSION_KEY: HEX_KEY });
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout)).toMatchObject({
			format: "redis (encrypted)",
			peers: { total: 40 },
		});
		expect(sessionsEqual(await readBack(loc, { X_SESSION_KEY: HEX_KEY }, "r1"), session)).toBe(
			true,
		);

		const wrong = await run(["export", loc, "--format", "native"], {
			X_SESSION_KEY: "a5".repeat(32),
		});
		expect(wrong.code).toBe(1);
		expect(wrong.stdout).toBe("");
		expect(wrong.stderr).toMatch(
			/^x-session: \[redis\] the encryption key or passphrase is wrong\n$/,
		);

		const rotated = await run(["rekey", loc], {
			X_SESSION_KEY: HEX_KEY,
			X_SESSION_NEW_PASSPHRASE: NEW,
		});
		expect(rotated.code, rotated.stderr).toBe(0);
		expect(rotated.stdout).toContain("re-encrypted with the new secret");
		expect(storedSecret(await redisBytes())).toBeUndefined();
		expect((await run(["inspect", loc], { X_SESSION_KEY: HEX_KEY })).code).toBe(1);
		expect(sessionsEqual(await readBack(loc, { X_SESSION_PASSPHRASE: NEW }, "r2"), session)).toBe(
			true,
		);

		const off = await run(["rekey", loc, "--decrypt"], { X_SESSION_PASSPHRASE: NEW });
		expect(off.code, off.stderr).toBe(0);
		expect(storedSecret(await redisBytes())).toBeDefined();
		expect(sessionsEqual(await readBack(loc, {}, "r3"), session)).toBe(true);

		// and on again, in place, from the plain store
		const on = await run(["rekey", loc], { X_SESSION_NEW_PASSPHRASE: OLD });
		expect(on.code, on.stderr).toBe(0);
		expect(on.stdout).toContain(": encrypted (");
		expect(storedSecret(await redisBytes())).toBeUndefined();
	});
});
