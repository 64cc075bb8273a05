import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { serviceAvailable } from "@x/session-core/testing";
import { RedisSessionBackend } from "@x/session-redis";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";

const here = new URL("..", import.meta.url).pathname;
const tsx = createRequire(import.meta.url).resolve("tsx");
const client = new Redis({
	host: "127.0.0.1",
	port: 6379,
	lazyConnect: true,
	maxRetriesPerRequest: 1,
	retryStrategy: () => null,
});
client.on("error", () => {});
const available = await serviceAvailable("redis", async () => {
	await client.connect();
	await client.ping();
});
const prefix = `xs-example-workers-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
	if (!available) return;
	let cursor = "0";
	do {
		const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
		cursor = next;
		if (keys.length) await client.del(...keys);
	} while (cursor !== "0");
	await client.quit();
});

interface Worker {
	child: ChildProcess;
	out: () => string;
	started: Promise<void>;
	exit: Promise<number | null>;
}

function worker(name: string, args: string[]): Worker {
	const child = spawn(
		process.execPath,
		[
			"--conditions=@x/source",
			"--import",
			tsx,
			"src/worker.ts",
			"--name",
			name,
			"--prefix",
			prefix,
			...args,
		],
		{ cwd: here, stdio: ["ignore", "pipe", "pipe"] },
	);
	let out = "";
	let onHolding: () => void = () => {};
	const started = new Promise<void>((r) => {
		onHolding = r;
	});
	const collect = (d: Buffer) => {
		out += d;
		if (out.includes("holding session")) onHolding();
	};
	child.stdout?.on("data", collect);
	child.stderr?.on("data", collect);
	const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
	return { child, out: () => out, started, exit };
}

describe.skipIf(!available)("two workers, one Redis, one session", () => {
	it("the second fails at once with a clear message; a waiting third takes over afterwards", async () => {
		// worker-a holds the session until it is told to stop, so the second and third workers
		// meet a held lease however slowly they start on a loaded machine
		const a = worker("worker-a", ["--ticks", "100000", "--tick-ms", "50"]);
		await Promise.race([a.started, a.exit]);
		expect(a.out()).toContain('[worker-a] holding session "bot"');

		const b = worker("worker-b", ["--wait-ms", "0"]);
		expect(await b.exit).toBe(75);
		expect(b.out()).toMatch(
			/\[worker-b\] session "bot" is in use by worker-a, lease renewed until \d{4}-/,
		);
		expect(b.out()).not.toContain("holding session");

		const c = worker("worker-c", ["--wait-ms", "30000", "--ticks", "2", "--tick-ms", "10"]);
		// c is waiting for the lease while a still holds it
		await new Promise((r) => setTimeout(r, 1500));
		expect(c.out()).not.toContain("holding session");
		a.child.kill("SIGTERM");
		expect(await a.exit).toBe(0);
		expect(a.out()).toContain("[worker-a] SIGTERM: stopping");
		expect(await c.exit).toBe(0);
		const [aDone] = /done at pts (\d+)/.exec(a.out())?.slice(1) ?? [];
		// the third continued where the first stopped, never alongside it
		expect(c.out()).toContain(`resuming at pts ${aDone}`);
		expect(c.out()).toContain(`done at pts ${Number(aDone) + 20}`);
		const check = await RedisSessionBackend.open({ client, prefix, sessionId: "bot", lock: false });
		expect((await check.load())?.updatesState.pts).toBe(Number(aDone) + 20);
		await check.close();
	}, 60_000);
});
