// applyChanges on the real server: the whole batch is one MULTI (seen through MONITOR on a second
// connection), and a writer whose lease was taken over has the whole batch refused.
import { type SessionChanges, SessionLockedError } from "@x/session-core";
import {
	assertSameSession,
	sampleSession,
	serviceAvailable,
	testAuthKey,
	testDc,
	testPeer,
	testPeerMeta,
} from "@x/session-core/testing";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisSessionBackend } from "../src/index.js";
import { deletePrefix, randomPrefix, sharedClient } from "./servers.js";

const client = sharedClient();
const available = await serviceAvailable("redis", () => client.ping());
if (!available) client.disconnect();

const opened: RedisSessionBackend[] = [];
const prefixes: string[] = [];
async function open(prefix: string, c: Redis = client): Promise<RedisSessionBackend> {
	if (!prefixes.includes(prefix)) prefixes.push(prefix);
	const b = await RedisSessionBackend.open({ client: c, prefix });
	opened.push(b);
	return b;
}
afterEach(async () => {
	await Promise.allSettled(opened.splice(0).map((b) => b.close()));
	for (const p of prefixes.splice(0)) await deletePrefix(client, p);
});
afterAll(async () => {
	if (available) await client.quit();
});

const batch = (): SessionChanges => ({
	dcs: [testDc({ dcId: 3, addr: "10.3.0.1:443", authKey: testAuthKey(3) })],
	homeDcId: 3,
	updateState: [
		{ type: "primary", pts: 9001, date: 1_800_000_000, seq: 5 },
		{ type: "channel", channelId: 1_500_000_001n, pts: 4321 },
	],
	peers: [
		testPeer("channel", 42n, 4242n, "broadcast"),
		{ ...testPeer("user", 43n, 4343n), meta: testPeerMeta(43) },
	],
	deleteMinPeers: [777_000_001n],
	minPeers: [{ userId: 99n, peerId: 42n, msgId: 7 }],
	deleteExtensions: ["mtcute:old"],
	setExtensions: [["mtcute:first", new Uint8Array([1])]],
});

describe.skipIf(!available)("redis: applyChanges is one MULTI", () => {
	it("sends every part between one MULTI and its EXEC, and nothing outside it", async () => {
		const own = sharedClient();
		try {
			const b = await open(randomPrefix(), own);
			await b.save(sampleSession(1));
			await b.applyChanges(batch()); // scripts loaded: the watched call is the steady state
			const port = (own as unknown as { stream: { localPort: number } }).stream.localPort;
			const monitor = await client.duplicate().monitor();
			const seen: string[] = [];
			monitor.on("monitor", (_time: string, args: string[], source: string) => {
				if (source.endsWith(`:${port}`)) seen.push(String(args[0]).toLowerCase());
			});
			await new Promise((r) => setTimeout(r, 100));
			await b.applyChanges(batch());
			await own.ping(); // a marker: everything the batch sent is seen before it
			for (let i = 0; i < 100 && !seen.includes("ping"); i++)
				await new Promise((r) => setTimeout(r, 20));
			monitor.disconnect();
			const commands = seen.slice(0, seen.indexOf("ping"));
			// cachePeers, dcs, home, 2 × update state, minpeers HDEL + HSET, ext HDEL + HSET
			expect(commands).toEqual(["multi", ...Array(9).fill("evalsha"), "exec"]);
		} finally {
			own.disconnect();
		}
	});

	it("a writer whose lease was taken over has the whole batch refused", async () => {
		const prefix = randomPrefix();
		const a = await open(prefix);
		await a.save(sampleSession(2));
		await client.del(a.keys.lease); // as after an expiry during a long pause
		const b = await open(prefix);
		const error = await a.applyChanges(batch()).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionLockedError);
		assertSameSession(await b.load(), sampleSession(2));
		expect(await b.getPeer("channel", 42n)).toBeNull();
		expect(await b.getExtension("mtcute:first")).toBeNull();
		await b.applyChanges(batch());
		expect((await b.load())?.updatesState.pts).toBe(9001);
		expect((await b.findPeerByUsername("user_43"))?.id).toBe(43n);
	});
});
