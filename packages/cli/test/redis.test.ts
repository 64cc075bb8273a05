import { createServer } from "node:net";
import { join } from "node:path";
import { decodeNativeString, sessionsEqual } from "@x/session-core";
import { RedisSessionBackend } from "@x/session-redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	buildCli,
	cleanup,
	cli,
	leakedSecret,
	nativeString,
	sampleSession,
	sharedRedis,
	tempDir,
	uniquePrefix,
	writeSessionFile,
} from "./helpers.js";

const { client, available } = await sharedRedis();
const prefix = uniquePrefix();
const dir = tempDir();
const { session, secrets } = sampleSession(500);
const file = join(dir, "bot.session");
const url = (id: string) => `redis://127.0.0.1:6379/0?prefix=${prefix}#${id}`;

beforeAll(() => {
	buildCli();
	writeSessionFile(file, session);
});
afterAll(async () => {
	cleanup(dir);
	if (!available) return;
	let cursor = "0";
	do {
		const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
		cursor = next;
		if (keys.length) await client.del(...keys);
	} while (cursor !== "0");
	await client.quit();
});

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
	const port = (server.address() as { port: number }).port;
	await new Promise((r) => server.close(r));
	return port;
}

describe.skipIf(!available)("x-session on Redis (127.0.0.1:6379)", () => {
	it("convert file -> redis verifies, refuses to overwrite, replaces with --force", async () => {
		const r = await cli(["convert", `file:${file}`, url("alice")]);
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		expect(r.stdout).toBe(
			`converted file:${file} -> redis://127.0.0.1:6379/0?prefix=${prefix}#alice (3 DCs, 500 peers, 1 min peer; verified)\n`,
		);
		const backend = await RedisSessionBackend.open({
			client,
			prefix,
			sessionId: "alice",
			lock: false,
		});
		expect(sessionsEqual((await backend.load())!, session)).toBe(true);
		await backend.close();

		const again = await cli(["convert", `file:${file}`, url("alice")]);
		expect(again.code).toBe(1);
		expect(again.stderr).toBe(
			`x-session: redis://127.0.0.1:6379/0?prefix=${prefix}#alice already holds a session; pass --force to replace it\n`,
		);
		const other = sampleSession(3).session;
		const forced = await cli(["convert", `string:${nativeString(other)}`, url("alice"), "--force"]);
		expect(forced.code).toBe(0);
		const check = await RedisSessionBackend.open({
			client,
			prefix,
			sessionId: "alice",
			lock: false,
		});
		expect(sessionsEqual((await check.load())!, other)).toBe(true);
		await check.close();
	});

	it("inspect, convert back to a string, list and delete", async () => {
		expect((await cli(["convert", `file:${file}`, url("bob")])).code).toBe(0);
		const inspect = await cli(["inspect", url("bob"), "--json"]);
		expect(inspect.code).toBe(0);
		const report = JSON.parse(inspect.stdout);
		expect(report).toMatchObject({
			format: "redis",
			homeDcId: 2,
			peers: { total: 500 },
			size: { of: "encoding" },
		});
		expect(leakedSecret(inspect.stdout, secrets)).toBeUndefined();

		const str = await cli(["convert", url("bob"), "string:"]);
		expect(str.code).toBe(0);
		expect(sessionsEqual(decodeNativeString(str.stdout.trim()), session)).toBe(true);

		const list = await cli(["list", `redis://127.0.0.1:6379/0?prefix=${prefix}`]);
		expect(list.code).toBe(0);
		expect(list.stdout.split("\n").filter(Boolean)).toEqual(expect.arrayContaining(["bob"]));
		const json = await cli(["list", `redis://127.0.0.1:6379/0?prefix=${prefix}`, "--json"]);
		expect(JSON.parse(json.stdout).sessions).toContain("bob");

		const refused = await cli(["delete", url("bob")]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain("no terminal to ask on; pass --yes");
		const del = await cli(["delete", url("bob"), "--yes"]);
		expect(del.code).toBe(0);
		expect(del.stdout).toBe(`deleted redis://127.0.0.1:6379/0?prefix=${prefix}#bob\n`);
		expect((await cli(["inspect", url("bob")])).code).toBe(3);
		expect((await cli(["delete", url("bob"), "--yes"])).code).toBe(3);
	});

	it("exit 4 naming the holder when a running client holds the session", async () => {
		expect((await cli(["convert", `file:${file}`, url("carol")])).code).toBe(0);
		const running = await RedisSessionBackend.open({
			client,
			prefix,
			sessionId: "carol",
			owner: "bot-7",
		});
		try {
			const del = await cli(["delete", url("carol"), "--yes"]);
			expect(del.code).toBe(4);
			expect(del.stderr.split("\n").filter(Boolean)).toHaveLength(1);
			expect(del.stderr).toMatch(/^x-session: \[redis\] .*bot-7/);
			const conv = await cli(["convert", `file:${file}`, url("carol"), "--force"]);
			expect(conv.code).toBe(4);
			// reading does not need the lease
			expect((await cli(["inspect", url("carol")])).code).toBe(0);
		} finally {
			await running.close();
		}
		expect((await cli(["delete", url("carol"), "--yes"])).code).toBe(0);
	});

	it("exit 5 when nothing listens, and a password never reaches the output", async () => {
		const port = await freePort();
		const down = await cli(["inspect", `redis://127.0.0.1:${port}/0#x`]);
		expect(down.code).toBe(5);
		expect(down.stderr).toMatch(
			new RegExp(
				`^x-session: cannot connect to redis at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`,
			),
		);
		const password = "Sup3rSecretPassw0rd";
		const wrong = await cli(["inspect", `redis://nobody-${prefix}:${password}@127.0.0.1:6379/0#x`]);
		expect(wrong.code).toBe(5);
		expect(wrong.stderr).toBe("x-session: redis at 127.0.0.1:6379 refused the credentials\n");
		expect(wrong.stderr + wrong.stdout).not.toContain(password);
	});

	it("a 100k-peer session: inspect counts it; a string target explains the 65535-peer limit", async () => {
		const big = sampleSession(100_000).session;
		const backend = await RedisSessionBackend.open({ client, prefix, sessionId: "big" });
		await backend.save(big);
		await backend.close();
		const r = await cli(["inspect", url("big"), "--json"], { env: { X_SESSION_PROGRESS: "1" } });
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout).peers.total).toBe(100_000);
		expect(r.stderr).toContain("x-session [");
		const str = await cli(["convert", url("big"), "string:"]);
		expect(str.code).toBe(1);
		expect(str.stdout).toBe("");
		expect(str.stderr).toBe(
			"x-session: [codec] cached peers: 100000 does not fit the format (at most 65535)\n",
		);
	}, 60_000);

	it("usage errors in Redis URLs exit 2", async () => {
		expect((await cli(["inspect", "redis://127.0.0.1:6379/abc#x"])).code).toBe(2);
		expect((await cli(["inspect", "redis://127.0.0.1:6379/0?pfx=a#x"])).code).toBe(2);
	});
});
