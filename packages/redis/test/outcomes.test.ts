// What a failed write's code promises. CONNECTION: the write was not sent and is not applied,
// not even after ioredis reconnects (it never waits in ioredis's offline queue). TIMEOUT: it was
// sent and its answer never came, so it may have been applied.
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { isSessionError, type PersistedSession } from "@x/session-core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisSessionBackend } from "../src/index.js";
import { richSession } from "./fixtures.js";
import {
	deletePrefix,
	randomPrefix,
	redisServerAvailable,
	SHARED,
	sharedClient,
	sharedServerAvailable,
	startServer,
} from "./servers.js";

// the shared server, and the binary for the private server some tests start
const available = (await sharedServerAvailable()) && (await redisServerAvailable());

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client with ioredis's defaults for queueing and resending, retrying every 100 ms. */
function clientFor(port: number): Redis {
	const c = new Redis({ host: "127.0.0.1", port, connectTimeout: 1000, retryStrategy: () => 100 });
	c.on("error", () => undefined);
	cleanups.push(async () => c.disconnect());
	return c;
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(20);
	}
}

/**
 * A loopback proxy to the shared server that can swallow the server's answers (`mute`) and
 * refuse connections (`refuse`), so a write reaches Redis while its answer never comes back.
 */
async function proxy(): Promise<{
	port: number;
	mute: boolean;
	refuse: boolean;
	drop(): void;
}> {
	const sockets = new Set<Socket>();
	const state = { mute: false, refuse: false };
	const server: Server = createServer((inbound) => {
		inbound.on("error", () => undefined);
		if (state.refuse) return void inbound.destroy();
		const outbound = connect(SHARED.port, SHARED.host);
		outbound.on("error", () => undefined);
		for (const s of [inbound, outbound]) sockets.add(s);
		inbound.on("data", (d) => outbound.write(d));
		outbound.on("data", (d) => state.mute || inbound.write(d));
		inbound.on("close", () => outbound.destroy());
		outbound.on("close", () => inbound.destroy());
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	cleanups.push(async () => {
		for (const s of sockets) s.destroy();
		await new Promise((r) => server.close(r));
	});
	return Object.assign(state, {
		port: (server.address() as AddressInfo).port,
		drop() {
			for (const s of sockets) s.destroy();
			sockets.clear();
		},
	});
}

describe.skipIf(!available)("redis write outcomes", () => {
	it("a server stopped and restarted: writes refused as CONNECTION are not applied after the reconnect", async () => {
		const server = await startServer(["--appendonly", "yes", "--appendfsync", "always"]);
		cleanups.push(() => server.destroy());
		const client = clientFor(server.port);
		const b = await RedisSessionBackend.open({ client, sessionId: "q", commandTimeout: 800 });
		cleanups.push(() => b.close());
		await b.save(richSession(3));
		await b.setHomeDc(1);
		await server.kill();
		await until("the client to see the server gone", () => client.status !== "ready");
		const before = client.listenerCount("ready");
		const waiting = Array.from({ length: 15 }, (_, i) =>
			b.setExtension(`k${i}`, new Uint8Array([i])).catch((e: unknown) => e),
		);
		// the waiting writes share one listener (no MaxListenersExceededWarning in an outage)
		expect(client.listenerCount("ready")).toBeLessThanOrEqual(before + 1);
		const refused = await Promise.all([
			...waiting,
			b.setHomeDc(7).catch((e: unknown) => e),
			b.save({ ...richSession(3), homeDcId: 8 }).catch((e: unknown) => e),
			b
				.cachePeer({ kind: "user", id: 77n, accessHash: 7n, channelKind: null })
				.catch((e: unknown) => e),
		]);
		for (const e of refused) {
			expect(isSessionError(e, "CONNECTION")).toBe(true);
			expect((e as Error).message).toMatch(/not sent, so it was not applied/);
		}
		await server.restart();
		await until("the reconnect", () => client.status === "ready");
		await sleep(300); // anything ioredis still held would have been sent by now
		const loaded = (await b.load()) as PersistedSession;
		expect(loaded.homeDcId).toBe(1);
		expect(loaded.peers.some((p) => p.id === 77n)).toBe(false);
		expect(loaded.extensions?.size ?? 0).toBe(0);
		await b.setHomeDc(2); // and the same instance writes again
		expect((await b.load())?.homeDcId).toBe(2);
	}, 30_000);

	it("a write whose answer is lost with the connection is TIMEOUT (it was applied); while unreachable, CONNECTION (it was not), 5 rounds", async () => {
		const p = await proxy();
		const prefix = randomPrefix();
		const direct = sharedClient();
		cleanups.push(async () => {
			await deletePrefix(direct, prefix);
			direct.disconnect();
		});
		const client = clientFor(p.port);
		const b = await RedisSessionBackend.open({
			client,
			prefix,
			sessionId: "u",
			commandTimeout: 800,
		});
		cleanups.push(() => b.close());
		const reader = await RedisSessionBackend.open({
			client: direct,
			prefix,
			sessionId: "u",
			lock: false,
		});
		await b.save(richSession(3));
		const seen = { unknown: 0, unknownApplied: 0, refused: 0, refusedApplied: 0, recovered: 0 };
		for (let round = 0; round < 5; round++) {
			const dc = 10 + round * 2;
			p.mute = true;
			// a single script, then a pipeline (save), then a MULTI (applyChanges)
			const write = [
				() => b.setHomeDc(dc),
				() => b.save({ ...richSession(3), homeDcId: dc }),
				() => b.applyChanges({ homeDcId: dc }),
			]
				[round % 3]?.()
				.catch((e: unknown) => e);
			await sleep(100);
			p.refuse = true;
			p.drop(); // the connection dies with the answer still owed
			const unknown = await write;
			expect(isSessionError(unknown, "TIMEOUT")).toBe(true);
			expect((unknown as Error).message).toMatch(/may or may not have been applied/);
			seen.unknown++;
			if ((await reader.load())?.homeDcId === dc) seen.unknownApplied++;
			await until("the client to be disconnected", () => client.status !== "ready");
			const refused = await b.setHomeDc(dc + 1).catch((e: unknown) => e);
			expect(isSessionError(refused, "CONNECTION")).toBe(true);
			seen.refused++;
			p.mute = false;
			p.refuse = false;
			await until("the reconnect", () => client.status === "ready");
			await sleep(200);
			if ((await reader.load())?.homeDcId === dc + 1) seen.refusedApplied++;
			await b.setHomeDc(1);
			seen.recovered++;
		}
		console.info("redis write outcomes", seen);
		expect(seen.unknownApplied).toBe(5); // Redis ran it: CONNECTION would have been a lie
		expect(seen.refusedApplied).toBe(0);
		expect(seen.recovered).toBe(5);
	}, 60_000);
});
