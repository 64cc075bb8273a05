// A real three-master Redis Cluster started by the test on free loopback ports.
import {
	emptySession,
	type PersistedSession,
	SessionLockedError,
	sessionsEqual,
} from "@x/session-core";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisDurabilityError, RedisSessionBackend } from "../src/index.js";
import { richSession } from "./fixtures.js";
import {
	deletePrefix,
	type OwnCluster,
	randomPrefix,
	redisServerAvailable,
	startCluster,
} from "./servers.js";

const available = await redisServerAvailable();

let cluster: OwnCluster;
let client: Cluster;

beforeAll(async () => {
	if (!available) return;
	cluster = await startCluster();
	client = cluster.client();
	await client.ping();
}, 60_000);

afterAll(async () => {
	if (!available) return;
	await client?.quit().catch(() => client.disconnect());
	await cluster?.destroy();
});

describe.skipIf(!available)("redis backend on a three-master cluster", () => {
	it("round-trips a full session and applies granular writes (multi-key scripts in one slot)", async () => {
		const prefix = randomPrefix();
		const b = await RedisSessionBackend.open({ client, prefix, sessionId: "acc" });
		try {
			const s = richSession(3000);
			await b.save(s);
			expect(sessionsEqual((await b.load()) as PersistedSession, s)).toBe(true);
			await b.cachePeers(
				Array.from({ length: 4500 }, (_, i) => ({
					kind: "user" as const,
					id: BigInt(i + 10_000),
					accessHash: 1n,
					channelKind: null,
				})),
			);
			await b.cachePeer({ kind: "channel", id: 3n, accessHash: 0n, channelKind: null });
			await b.applyUpdateState({
				type: "all",
				state: { pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 1n, pts: 1 }] },
			});
			await b.updateDc({
				dcId: 5,
				addr: "91.108.56.130:443",
				authKey: null,
				firstSalt: 1n,
				timeOffset: 0,
				flags: 0,
			});
			const loaded = (await b.load()) as PersistedSession;
			expect(loaded.peers).toHaveLength(s.peers.length + 4500);
			expect(loaded.peers.find((p) => p.kind === "channel" && p.id === 3n)).toEqual(
				s.peers.find((p) => p.kind === "channel" && p.id === 3n),
			);
			expect(loaded.updatesState.channels).toEqual([{ channelId: 1n, pts: 1 }]);
			expect(loaded.dcs).toHaveLength(5);
			await b.delete();
			expect(await b.load()).toBeNull();
		} finally {
			await b.close();
			await deletePrefix(client, prefix);
		}
	}, 60_000);

	it("spreads sessions over the masters and lists them all by scanning every master", async () => {
		const prefix = randomPrefix();
		const ids = Array.from({ length: 30 }, (_, i) => `user-${i}`);
		try {
			for (const sessionId of ids) {
				const b = await RedisSessionBackend.open({ client, prefix, sessionId });
				const s = emptySession();
				s.homeDcId = 1;
				await b.save(s);
				await b.close();
			}
			// the metas really live on different masters
			const holders = await Promise.all(
				client.nodes("master").map(async (n) => (await n.keys(`${prefix}:*:meta`)).length),
			);
			expect(holders.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
			expect(holders.reduce((a, b) => a + b, 0)).toBe(30);
			expect((await RedisSessionBackend.listSessions({ client, prefix })).sort()).toEqual(
				[...ids].sort(),
			);
			expect(await RedisSessionBackend.deleteSession({ client, prefix, sessionId: "user-3" })).toBe(
				true,
			);
			expect(await RedisSessionBackend.listSessions({ client, prefix })).toHaveLength(29);
		} finally {
			await deletePrefix(client, prefix);
		}
	}, 60_000);

	it("leases and fencing work on the cluster", async () => {
		const prefix = randomPrefix();
		const a = await RedisSessionBackend.open({ client, prefix, sessionId: "x{y}" });
		try {
			await expect(
				RedisSessionBackend.open({ client, prefix, sessionId: "x{y}" }),
			).rejects.toBeInstanceOf(SessionLockedError);
			await client.del(a.keys.lease);
			const b = await RedisSessionBackend.open({ client, prefix, sessionId: "x{y}" });
			await expect(a.setHomeDc(1)).rejects.toBeInstanceOf(SessionLockedError);
			await b.setHomeDc(2);
			expect((await b.load())?.homeDcId).toBe(2);
			await b.close();
		} finally {
			await a.close();
			await deletePrefix(client, prefix);
		}
	}, 30_000);

	it("WAIT runs on the node that took the write (pipelined with it); a cluster without replicas waits for none by default", async () => {
		const prefix = randomPrefix();
		const plain = await RedisSessionBackend.open({ client, prefix, sessionId: "plain" });
		expect(plain.waitForReplicas).toBeUndefined();
		await plain.close();
		// no replica can confirm the lease: open refuses it
		await expect(
			RedisSessionBackend.open({ client, prefix, waitForReplicas: { replicas: 1, timeoutMs: 50 } }),
		).rejects.toBeInstanceOf(RedisDurabilityError);
		const b = await RedisSessionBackend.open({
			client,
			prefix,
			lock: false,
			waitForReplicas: { replicas: 1, timeoutMs: 50 },
		});
		try {
			const err = await b.setHomeDc(3).catch((e: unknown) => e);
			expect(err).toBeInstanceOf(RedisDurabilityError);
			expect((await b.load())?.homeDcId).toBe(3);
		} finally {
			await b.close();
			await deletePrefix(client, prefix);
		}
	});
});
