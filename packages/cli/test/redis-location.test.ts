// Every part of a redis:// location is honoured or refused: a database the server does not have
// is an error (ioredis alone would stay on db 0), and so is a repeated parameter.
import { join } from "node:path";
import { serviceAvailable } from "@x/session-core/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	buildCli,
	cleanup,
	cli,
	sampleSession,
	tempDir,
	uniquePrefix,
	writeSessionFile,
} from "./helpers.js";

const clients = [0, 5].map((db) => {
	const c = new Redis({
		host: "127.0.0.1",
		port: 6379,
		db,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		retryStrategy: () => null,
	});
	c.on("error", () => {});
	return c;
});
const [db0, db5] = clients as [Redis, Redis];
const available = await serviceAvailable("redis", async () => {
	for (const c of clients) await c.connect();
	await db0.ping();
});
const prefix = uniquePrefix();
const dir = tempDir();
const file = join(dir, "bot.session");

beforeAll(() => {
	buildCli();
	writeSessionFile(file, sampleSession(20).session);
});
afterAll(async () => {
	cleanup(dir);
	if (!available) return;
	for (const c of clients) {
		const keys = await c.keys(`${prefix}*`);
		if (keys.length) await c.del(...keys);
		await c.quit();
	}
});

describe.skipIf(!available)("x-session: redis:// locations are honoured or refused", () => {
	it("a database the server refuses exits 2 for convert, inspect and list, and nothing is written to db 0", async () => {
		const where = `redis://127.0.0.1:6379/99?prefix=${prefix}`;
		const expected = `x-session: redis at 127.0.0.1:6379 has no database 99 (ERR DB index is out of range); use an index below its "databases" setting (16 by default)\n`;
		for (const args of [
			["convert", `file:${file}`, `${where}#x`],
			["inspect", `${where}#x`],
			["list", where],
		]) {
			const r = await cli(args);
			expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: expected });
			expect(r.stdout).toBe("");
		}
		const huge = await cli([
			"inspect",
			`redis://127.0.0.1:6379/99999999999999999999?prefix=${prefix}#x`,
		]);
		expect(huge.code).toBe(2);
		expect(huge.stderr).toMatch(/^x-session: redis at 127\.0\.0\.1:6379 has no database /);
		expect(await db0.keys(`${prefix}*`)).toEqual([]);
	});

	it("a database the server has is where the session goes, and where inspect finds it", async () => {
		const where = `redis://127.0.0.1:6379/5?prefix=${prefix}#y`;
		const conv = await cli(["convert", `file:${file}`, where]);
		expect(conv.stderr).toBe("");
		expect(conv.code).toBe(0);
		expect(await db0.keys(`${prefix}*`)).toEqual([]);
		expect((await db5.keys(`${prefix}*`)).length).toBeGreaterThan(0);
		const inspect = await cli(["inspect", where, "--json"]);
		expect(inspect.code).toBe(0);
		expect(JSON.parse(inspect.stdout).peers.total).toBe(20);
	});

	it("a repeated or unknown parameter exits 2", async () => {
		const twice = await cli(["inspect", `redis://127.0.0.1:6379/0?prefix=a&prefix=b#x`]);
		expect(twice.code).toBe(2);
		expect(twice.stderr).toBe(
			`x-session: the Redis URL gives "prefix" more than once; give it once\n`,
		);
		const unknown = await cli(["inspect", `redis://127.0.0.1:6379/0?prefix=a&db=3#x`]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain(`unknown Redis URL parameter "db"`);
	});
});
