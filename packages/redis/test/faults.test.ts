// Faults on servers the tests own: SIGKILL and restart, CLIENT PAUSE, nothing listening, wrong password.
import { inspect } from "node:util";
import {
	isSessionError,
	type PersistedSession,
	SessionConnectionError,
	sessionsEqual,
} from "@x/session-core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisSessionBackend } from "../src/index.js";
import { richSession } from "./fixtures.js";
import { freePort, type OwnServer, redisServerAvailable, startServer } from "./servers.js";

const available = await redisServerAvailable();

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function ownServer(
	args: string[] = [],
	options: { password?: string } = {},
): Promise<OwnServer> {
	const s = await startServer(args, options);
	cleanups.push(() => s.destroy());
	return s;
}

function clientFor(port: number, options: Record<string, unknown> = {}): Redis {
	const c = new Redis({
		host: "127.0.0.1",
		port,
		connectTimeout: 1000,
		retryStrategy: () => 100,
		...options,
	});
	c.on("error", () => undefined);
	cleanups.push(async () => c.disconnect());
	return c;
}

describe.skipIf(!available)("redis faults", () => {
	it("SIGKILL and restart with appendfsync always loses no acknowledged write", async () => {
		const server = await ownServer(["--appendonly", "yes", "--appendfsync", "always"]);
		const client = clientFor(server.port);
		const b = await RedisSessionBackend.open({
			client,
			sessionId: "durable",
			commandTimeout: 2000,
		});
		cleanups.push(() => b.close());
		const base = richSession(50);
		await b.save(base);
		const acked: number[] = [];
		let outage: Promise<void> | undefined;
		let restarted = false;
		for (let i = 1; acked.length < 300 || !restarted; i++) {
			if (acked.length === 150 && !outage) {
				// kill mid-run and keep writing while the server is down and while it restarts
				outage = (async () => {
					await server.kill();
					await new Promise((r) => setTimeout(r, 300));
					await server.restart();
					restarted = true;
				})();
			}
			try {
				await b.cachePeer({
					kind: "user",
					id: BigInt(1000 + i),
					accessHash: BigInt(i),
					channelKind: null,
				});
				await b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
				acked.push(i);
			} catch (e) {
				// not acknowledged: no promise about it
				expect(e).toBeInstanceOf(SessionConnectionError);
			}
		}
		await outage;
		const s = (await b.load()) as PersistedSession;
		const ids = new Set(s.peers.map((p) => p.id));
		for (const i of acked) expect(ids.has(BigInt(1000 + i))).toBe(true);
		expect(s.updatesState.pts).toBeGreaterThanOrEqual(acked[acked.length - 1] as number);
		expect(
			sessionsEqual(
				{ ...s, peers: s.peers.filter((p) => p.id < 1000n), updatesState: base.updatesState },
				base,
			),
		).toBe(true);
		// the restarted server kept the lease too: the same instance still writes
		await b.setHomeDc(3);
		expect((await b.load())?.homeDcId).toBe(3);
	}, 60_000);

	it("CLIENT PAUSE on the server makes operations fail with TIMEOUT after commandTimeout, not after the pause", async () => {
		const server = await ownServer();
		const client = clientFor(server.port);
		const b = await RedisSessionBackend.open({ client, sessionId: "paused", commandTimeout: 1000 });
		await b.setHomeDc(2);
		const admin = clientFor(server.port);
		await admin.call("CLIENT", "PAUSE", "10000", "ALL");
		const started = Date.now();
		const [write, read] = await Promise.all([
			b
				.cachePeer({ kind: "user", id: 1n, accessHash: 1n, channelKind: null })
				.catch((e: unknown) => e),
			b.load().catch((e: unknown) => e),
		]);
		const elapsed = Date.now() - started;
		for (const err of [write, read]) {
			expect(err).toBeInstanceOf(SessionConnectionError);
			expect((err as SessionConnectionError).code).toBe("TIMEOUT");
		}
		expect(elapsed).toBeLessThan(9000);
		await server.kill();
		await b.close().catch(() => undefined);
	}, 30_000);

	it("nothing listening: open rejects with CONNECTION within the timeout, with ioredis defaults", async () => {
		const port = await freePort();
		const client = new Redis({ host: "127.0.0.1", port });
		client.on("error", () => undefined);
		cleanups.push(async () => client.disconnect());
		const started = Date.now();
		const err = await RedisSessionBackend.open({ client, commandTimeout: 1500 }).catch(
			(e: unknown) => e,
		);
		expect(err).toBeInstanceOf(SessionConnectionError);
		expect((err as SessionConnectionError).code).toBe("CONNECTION");
		expect((err as Error).message).toMatch(/not connected|ECONNREFUSED/);
		expect(Date.now() - started).toBeLessThan(9000);
	});

	it("a server that dies under an open backend gives CONNECTION errors, and it recovers on reconnect", async () => {
		const server = await ownServer();
		const client = clientFor(server.port, { maxRetriesPerRequest: 1 });
		const b = await RedisSessionBackend.open({
			client,
			sessionId: "s",
			lock: false,
			commandTimeout: 1500,
		});
		await b.setHomeDc(1);
		await server.kill();
		// a write sent before the client notices the close is TIMEOUT (outcome unknown; see outcomes.test.ts)
		for (let i = 0; i < 100 && client.status === "ready"; i++)
			await new Promise((r) => setTimeout(r, 20));
		const err = await b.setHomeDc(2).catch((e: unknown) => e);
		expect(isSessionError(err, "CONNECTION")).toBe(true);
		await server.restart();
		for (let i = 0; i < 100 && client.status !== "ready"; i++)
			await new Promise((r) => setTimeout(r, 50));
		await b.setHomeDc(4);
		expect((await b.load())?.homeDcId).toBe(4);
		await b.close();
	});

	it("wrong or missing password → AUTH; the password appears nowhere in the error", async () => {
		const password = "pw-9c1e-very-secret";
		const server = await ownServer([], { password: "right-password-77" });
		for (const options of [{ password }, {}]) {
			const client = clientFor(server.port, options);
			const err = await RedisSessionBackend.open({ client, commandTimeout: 1500 }).catch(
				(e: unknown) => e,
			);
			expect(err).toBeInstanceOf(SessionConnectionError);
			expect((err as SessionConnectionError).code).toBe("AUTH");
			const text = `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err)} ${(err as Error).stack}`;
			expect(text).not.toContain(password);
			expect(text).not.toContain("right-password-77");
		}
		// and the right one works
		const ok = clientFor(server.port, { password: "right-password-77" });
		const b = await RedisSessionBackend.open({ client: ok, commandTimeout: 1500 });
		await b.setHomeDc(1);
		await b.close();
	});
});
