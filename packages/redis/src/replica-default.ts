// The default of `waitForReplicas`: on a Redis Cluster with replicas, every lease change and
// write waits for one replica (WAIT 1); elsewhere nothing is waited for unless asked.
import type { Cluster } from "ioredis";
import { isCluster, type RedisLike } from "./client.js";
import type { WaitForReplicas } from "./durability.js";

/** What a Cluster with replicas waits for when `waitForReplicas` is not given. */
export const CLUSTER_REPLICA_WAIT: Readonly<WaitForReplicas> = Object.freeze({
	replicas: 1,
	timeoutMs: 1000,
});

/**
 * Whether `CLUSTER NODES` shows replication: a replica, or a failed master that has no slots
 * any more (its replica took them over, and it will come back as a replica). A cluster of
 * masters only, even with one of them down, has none.
 */
export function nodesShowReplicas(clusterNodes: string): boolean {
	return clusterNodes.split("\n").some((line) => {
		const fields = line.trim().split(" ");
		const flags = (fields[2] ?? "").split(",");
		if (flags.includes("slave")) return true;
		return flags.includes("master") && flags.includes("fail") && fields.length <= 8;
	});
}

/**
 * The replica wait to use: the option when given (`false`: none), else
 * {@link CLUSTER_REPLICA_WAIT} on a Cluster whose nodes show replicas, else none.
 */
export async function resolveReplicaWait(
	client: RedisLike,
	option: WaitForReplicas | false | undefined,
	run: <T>(op: string, command: () => Promise<T>) => Promise<T>,
): Promise<WaitForReplicas | undefined> {
	if (option === false) return undefined;
	if (option !== undefined || !isCluster(client)) return option;
	const nodes = await run("open: list cluster nodes", () => (client as Cluster).cluster("NODES"));
	return nodesShowReplicas(String(nodes)) ? { ...CLUSTER_REPLICA_WAIT } : undefined;
}
