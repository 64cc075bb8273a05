import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSession } from "@x/session-core";
import { afterEach, describe, expect, it } from "vitest";

const here = new URL("..", import.meta.url).pathname;
const tsx = createRequire(import.meta.url).resolve("tsx");
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(args: string[]): {
	child: ChildProcess;
	done: Promise<{ code: number | null; out: string }>;
} {
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, "src/main.ts", ...args],
		{
			cwd: here,
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let out = "";
	child.stdout?.on("data", (d) => {
		out += d;
	});
	child.stderr?.on("data", (d) => {
		out += d;
	});
	const done = new Promise<{ code: number | null; out: string }>((resolve) =>
		child.on("exit", (code) => resolve({ code, out })),
	);
	return { child, done };
}

function keysOf(path: string): Uint8Array[] {
	return decodeSession(new Uint8Array(readFileSync(path)))
		.dcs.filter((d) => d.authKey)
		.map((d) => d.authKey!.expose());
}

describe("quickstart (file backend)", () => {
	it("logs in on the first run, resumes on the second, never prints a key", async () => {
		const data = mkdtempSync(join(tmpdir(), "xs-quickstart-"));
		dirs.push(data);
		const first = await start(["--data", data, "--ticks", "6", "--interval", "20"]).done;
		expect(first.code, first.out).toBe(0);
		expect(first.out).toContain("logging in");
		const path = join(data, "bot.session");
		expect(statSync(path).mode & 0o777).toBe(0o600);
		const keys = keysOf(path);
		expect(keys).toHaveLength(2);

		const second = await start(["--data", data, "--ticks", "3", "--interval", "20"]).done;
		expect(second.code, second.out).toBe(0);
		expect(second.out).toMatch(/resumed session: home DC 2, 2\/5 DCs with auth keys/);
		expect(second.out).toMatch(/pts 48\b/); // 6 ticks × 8 from the first run
		expect(second.out).toMatch(/@fan_(\d+) resolved offline: user \1\b/);
		const out = first.out + second.out;
		for (const key of keys) {
			const b = Buffer.from(key);
			for (const form of [b.toString("hex"), b.toString("base64"), b.toString("base64url")]) {
				expect(out.includes(form.slice(0, 24))).toBe(false);
			}
		}
		// the keys survived the second run unchanged
		expect(keysOf(path).map((k) => Buffer.from(k).toString("hex"))).toEqual(
			keys.map((k) => Buffer.from(k).toString("hex")),
		);
	}, 60_000);

	it("flushes and exits cleanly on SIGTERM", async () => {
		const data = mkdtempSync(join(tmpdir(), "xs-quickstart-"));
		dirs.push(data);
		const run = start(["--data", data, "--forever", "--interval", "20"]);
		await new Promise<void>((resolve) => {
			const check = () => (/backend file/.test(readOut()) ? resolve() : setTimeout(check, 50));
			let buf = "";
			run.child.stdout?.on("data", (d) => {
				buf += d;
			});
			const readOut = () => buf;
			check();
		});
		await new Promise((r) => setTimeout(r, 1500));
		run.child.kill("SIGTERM");
		const { code, out } = await run.done;
		expect(code, out).toBe(0);
		expect(out).toContain("SIGTERM: flushing and exiting");
		const saved = decodeSession(new Uint8Array(readFileSync(join(data, "bot.session"))));
		const printed = /saved: .*pts (\d+)/.exec(out);
		expect(printed).not.toBeNull();
		expect(saved.updatesState.pts).toBe(Number(printed?.[1]));
		expect(saved.updatesState.pts).toBeGreaterThan(0);
	}, 60_000);
});

describe("quickstart --backend memory", () => {
	it("runs the same lifecycle, keeps nothing, and logs in again on the next run", async () => {
		const data = mkdtempSync(join(tmpdir(), "xs-quickstart-"));
		dirs.push(data);
		const args = ["--backend", "memory", "--data", data, "--interval", "10", "--ticks", "3"];
		for (let run = 0; run < 2; run++) {
			const r = await start(args).done;
			expect(r.code, r.out).toBe(0);
			expect(r.out).toContain("logging in");
			expect(r.out).not.toContain("resumed session");
			expect(r.out).toContain("saved nothing (in-memory backend)");
		}
		expect(readdirSync(data)).toEqual([]);
	}, 60_000);
});

// The same bot on the other backends: one flag switches storage, and the second run resumes.
const others = [
	["string", async () => true],
	["sqlite", async () => true],
	["libsql", async () => true],
	[
		"redis",
		async () =>
			(await import("@x/session-core/testing")).serviceAvailable("redis", () => redisPing()),
	],
] as const;

async function redisPing(): Promise<void> {
	const { Redis } = await import("ioredis");
	const client = new Redis({ lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1 });
	try {
		await client.connect();
		await client.ping();
	} finally {
		client.disconnect();
	}
}

for (const [backend, available] of others) {
	describe(`quickstart --backend ${backend}`, async () => {
		const ok = await available();
		it.skipIf(!ok)(
			"resumes on the second run",
			async () => {
				const data = mkdtempSync(join(tmpdir(), "xs-quickstart-"));
				dirs.push(data);
				if (backend === "redis") await clearRedisSession();
				const args = ["--backend", backend, "--data", data, "--interval", "10"];
				const first = await start([...args, "--ticks", "4"]).done;
				expect(first.code, first.out).toBe(0);
				expect(first.out).toContain("logging in");
				const second = await start([...args, "--ticks", "2"]).done;
				expect(second.code, second.out).toBe(0);
				expect(second.out).toMatch(
					/resumed session: home DC 2, 2\/5 DCs with auth keys .*pts 32\b/,
				);
				if (backend === "redis") await clearRedisSession();
			},
			60_000,
		);
	});
}

async function clearRedisSession(): Promise<void> {
	const { Redis } = await import("ioredis");
	const { RedisSessionBackend } = await import("@x/session-redis");
	const client = new Redis({ lazyConnect: true, maxRetriesPerRequest: 1 });
	await client.connect();
	await RedisSessionBackend.deleteSession({
		client,
		prefix: "xs-quickstart",
		sessionId: "bot",
	}).catch(() => false);
	await client.quit();
}
