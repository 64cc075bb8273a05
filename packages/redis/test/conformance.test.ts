// The shared conformance suite against 127.0.0.1:6379 and against a three-master cluster the
// test starts itself. Each test gets its own random key prefix and deletes only its own keys.
import type { SessionBackend } from "@x/session-core";
import {
	type ConformanceHarness,
	type ConformanceStore,
	runConformanceSuite,
	serviceAvailable,
} from "@x/session-core/testing";
import type { Cluster, Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from "vitest";
import { RedisSessionBackend } from "../src/index.js";
import {
	deletePrefix,
	type OwnCluster,
	randomPrefix,
	sharedClient,
	startCluster,
} from "./servers.js";

const client = sharedClient();
const available = await serviceAvailable("redis", () => client.ping());
if (!available) client.disconnect();

function harness(name: string, getClient: () => Redis | Cluster): ConformanceHarness {
	return {
		name,
		async createStore(): Promise<ConformanceStore> {
			const prefix = randomPrefix();
			const open: SessionBackend[] = [];
			return {
				async open(sessionId = "default") {
					const b = await RedisSessionBackend.open({ client: getClient(), prefix, sessionId });
					open.push(b);
					return b;
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
		harness("redis-cluster", () => {
			if (!clusterClient) throw new Error("cluster not started");
			return clusterClient;
		}),
	);
}
