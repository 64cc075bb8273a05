// Runs the bot twice as a child process, offline, and checks that the second run resumed from the
// store and that no secret reached its output.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { exportMtcuteString, mtcuteStorage } from "@x/session-mtcute";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { REDIS_PREFIX } from "../src/backend.js";
import { demoSessionString } from "../src/demo.js";

const here = new URL("..", import.meta.url).pathname;
const tsx = createRequire(import.meta.url).resolve("tsx");
const REDIS_URL = "redis://127.0.0.1:6379";
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
	const d = mkdtempSync(join(tmpdir(), "xs-mtcute-bot-"));
	dirs.push(d);
	return d;
}

function run(args: string[], extra: Record<string, string> = {}) {
	const env = { ...process.env };
	for (const name of ["BOT_TOKEN", "API_ID", "API_HASH", "MTCUTE_SESSION", "REDIS_URL"])
		delete env[name];
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, "src/main.ts", ...args],
		{ cwd: here, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] },
	);
	let out = "";
	child.stdout.on("data", (d) => {
		out += d;
	});
	child.stderr.on("data", (d) => {
		out += d;
	});
	return new Promise<{ code: number | null; out: string }>((resolve) =>
		child.on("exit", (code) => resolve({ code, out })),
	);
}

/** The stored auth key and the session string, read back through our backend. */
async function secretsOf(backend: SessionBackend): Promise<{ key: Buffer; text: string }> {
	const session = await backend.load();
	const key = session?.dcs.find((dc) => dc.dcId === session.homeDcId && dc.authKey)?.authKey;
	if (!key) throw new Error("no auth key for the home DC in the store");
	expect(key.length).toBe(256);
	const storage = mtcuteStorage(backend);
	const text = await exportMtcuteString(storage);
	await storage.destroy(); // closes the backend
	return { key: Buffer.from(key.expose()), text };
}

function expectNoSecrets(out: string, secrets: { key: Buffer; text: string }): void {
	const forms = [
		secrets.key.toString("hex"),
		secrets.key.toString("base64"),
		secrets.key.toString("base64url"),
		secrets.text,
	];
	for (const form of forms)
		for (const at of [0, Math.floor(form.length / 3), Math.floor((2 * form.length) / 3)])
			expect(out.includes(form.slice(at, at + 24)), `a secret at ${at} in:\n${out}`).toBe(false);
}

function expectResumed(out: string, text: string): void {
	expect(out).toContain("resuming from the store");
	expect(out).toMatch(/resumed: home DC 2 at 149\.154\.167\.50:443, auth key stored \(redacted\)/);
	expect(out).toContain("logged in as bot 7000001");
	expect(out).toContain("peers cached: 4 (2 users, 1 channel, 1 group)");
	expect(out).toMatch(/update state: pts 1200, qts 34, seq 56, .* channel 1500000123 pts 777/);
	expect(out).toContain("@mtcute_demo resolved offline: inputPeerUser 5550100");
	expect(out).toContain("@demo_news resolved offline: inputPeerChannel 1500000123");
	// the length printed is the length of the session the store holds
	expect(out).toContain(`exportSession(): a ${text.length}-character mtcute string (not printed)`);
}

describe("mtcute-bot on SQLite (offline)", () => {
	it("the first run imports a demo session and caches peers; the second resumes from the file", async () => {
		const data = tempDir();
		const first = await run(["--data", data]);
		expect(first.code, first.out).toBe(0);
		expect(first.out).toContain("offline (set BOT_TOKEN, API_ID and API_HASH to connect)");
		expect(first.out).toContain("no session yet: imported a demo session");
		const path = join(data, "mtcute-bot.db");
		expect(statSync(path).mode & 0o777).toBe(0o600);

		const second = await run(["--data", data]);
		expect(second.code, second.out).toBe(0);
		expect(second.out).toContain(
			`the data sits in SQLite ${path} (mode 0600), session "mtcute-bot"`,
		);
		const secrets = await secretsOf(
			await SqliteSessionBackend.open({ database: path, sessionId: "mtcute-bot" }),
		);
		expectResumed(second.out, secrets.text);
		expectNoSecrets(first.out + second.out, secrets);
	}, 120_000);

	it("a session in MTCUTE_SESSION is imported as given and resumed", async () => {
		const data = tempDir();
		const given = demoSessionString();
		const first = await run(["--data", data, "--session", "imported"], { MTCUTE_SESSION: given });
		expect(first.code, first.out).toBe(0);
		expect(first.out).toContain("imported the one in MTCUTE_SESSION (not printed)");
		const second = await run(["--data", data, "--session", "imported"]);
		expect(second.code, second.out).toBe(0);
		const path = join(data, "mtcute-bot.db");
		const secrets = await secretsOf(
			await SqliteSessionBackend.open({ database: path, sessionId: "imported" }),
		);
		expect(secrets.text).toBe(given);
		expectResumed(second.out, given);
		expectNoSecrets(first.out + second.out, secrets);
	}, 120_000);
});

const redis = new Redis(REDIS_URL, {
	lazyConnect: true,
	maxRetriesPerRequest: 1,
	retryStrategy: () => null,
});
redis.on("error", () => {});
const redisUp = await serviceAvailable("redis", async () => {
	await redis.connect();
	await redis.ping();
});
const sessionId = `test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
	if (!redisUp) return;
	await RedisSessionBackend.deleteSession({ client: redis, prefix: REDIS_PREFIX, sessionId });
	// deleteSession leaves the lease fence counter behind; remove every key this test made
	const left = await redis.keys(`${REDIS_PREFIX}:{${sessionId}}:*`);
	if (left.length) await redis.del(...left);
	await redis.quit();
});

describe.runIf(redisUp)("mtcute-bot on Redis (offline, REDIS_URL set)", () => {
	it("the second run resumes from Redis", async () => {
		const data = tempDir();
		const args = ["--data", data, "--session", sessionId];
		const first = await run(args, { REDIS_URL });
		expect(first.code, first.out).toBe(0);
		expect(first.out).toContain("no session yet: imported a demo session");
		const second = await run(args, { REDIS_URL });
		expect(second.code, second.out).toBe(0);
		expect(second.out).toContain(
			`the data sits in Redis 127.0.0.1:6379, prefix "${REDIS_PREFIX}", session "${sessionId}"`,
		);
		const secrets = await secretsOf(
			await RedisSessionBackend.open({
				client: redis,
				prefix: REDIS_PREFIX,
				sessionId,
				lock: false,
			}),
		);
		expectResumed(second.out, secrets.text);
		expectNoSecrets(first.out + second.out, secrets);
	}, 120_000);
});
