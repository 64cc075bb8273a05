// The shared conformance suite against 127.0.0.1:6379 and against a three-master cluster the
// test starts itself. Each test gets its own random key prefix and deletes only its own keys.
import {
	type SessionBackend,
	SessionCipher,
	SessionEncryptionError,
	withEncryptedSecrets,
} from "@x/session-core";
import {
	assertSameSession,
	type ConformanceHarness,
	type ConformanceStore,
	runConformanceSuite,
	sampleSession,
	serviceAvailable,
} from "@x/session-core/testing";
import type { Cluster, Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RedisSessionBackend } from "../src/index.js";
import {
	deletePrefix,
	type OwnCluster,
	randomPrefix,
	redisServerAvailable,
	sharedClient,
	startCluster,
} from "./servers.js";

const client = sharedClient();
// the shared server, and the binary for the cluster this file starts
const available =
	(await serviceAvailable("redis", () => client.ping())) && (await redisServerAvailable());
if (!available) client.disconnect();

const cipher = await SessionCipher.create({ key: new Uint8Array(32).fill(5) });

function harness(
	name: string,
	getClient: () => Redis | Cluster,
	encrypted = false,
): ConformanceHarness {
	return {
		name,
		async createStore(): Promise<ConformanceStore> {
			const prefix = randomPrefix();
			const open: SessionBackend[] = [];
			return {
				async open(sessionId = "default") {
					const b = await RedisSessionBackend.open({ client: getClient(), prefix, sessionId });
					open.push(b);
					return encrypted ? withEncryptedSecrets(b, cipher) : b;
				},
				async destroy() {
					await Promise.allSettled(open.splice(0).map((b) => b.close()));
					await deletePrefix(getClient(), prefix);
				},
			};
		},
	};
}

let cluster: OwnCluster | undefined;
let clusterClient: Cluster | undefined;

beforeAll(async () => {
	if (!available) return;
	cluster = await startCluster();
	clusterClient = cluster.client();
	await clusterClient.ping();
}, 60_000);

afterAll(async () => {
	if (available) await client.quit();
	await clusterClient?.quit().catch(() => clusterClient?.disconnect());
	await cluster?.destroy();
});

const runner = { describe, it, beforeEach, afterEach };

if (!available) {
	describe.skip("redis conformance (no server on 127.0.0.1:6379)", () => {
		it("skipped", () => {});
	});
} else {
	runConformanceSuite(
		runner,
		harness("redis", () => client),
	);
	runConformanceSuite(
		runner,
		harness("redis (secrets encrypted)", () => client, true),
	);
	runConformanceSuite(
		runner,
		harness("redis-cluster", () => {
			if (!clusterClient) throw new Error("cluster not started");
			return clusterClient;
		}),
	);
}

describe.skipIf(!available)("redis with withEncryptedSecrets", () => {
	it("stores only envelopes; the wrong key is a typed error", async () => {
		const store = await harness("raw", () => client).createStore();
		try {
			const raw = (await store.open("enc")) as RedisSessionBackend;
			const enc = withEncryptedSecrets(raw, cipher);
			await enc.save(sampleSession());
			const stored = await client.hgetallBuffer(raw.keys.dcs);
			const key = Buffer.from(
				sampleSession()
					.dcs.find((d) => d.authKey)
					?.authKey?.expose() ?? [],
			);
			for (const value of Object.values(stored))
				expect(value.includes(key.subarray(0, 16))).toBe(false);
			assertSameSession(await enc.load(), sampleSession());
			const other = withEncryptedSecrets(
				raw,
				await SessionCipher.create({ key: new Uint8Array(32) }),
			);
			await expect(other.load()).rejects.toBeInstanceOf(SessionEncryptionError);
		} finally {
			await store.destroy();
		}
	});
});
