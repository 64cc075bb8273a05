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
 * Whether the client's slot map (from `CLUSTER SLOTS`: each slot's master, then its replicas)
 * shows a replica. It is read without a round trip: a command without a key would go to any
 * node, during a failover maybe a paused old master, and wait there.
 */
export function slotsShowReplicas(slots: readonly (readonly string[] | undefined)[]): boolean {
	for (const owners of slots) if (owners && owners.length > 1) return true;
	return false;
}

/**
 * The replica wait to use: the option when given (`false`: none), else
 * {@link CLUSTER_REPLICA_WAIT} on a Cluster whose slot map or nodes show replicas, else none.
 */
export async function resolveReplicaWait(
	client: RedisLike,
	option: WaitForReplicas | false | undefined,
	run: <T>(op: string, command: () => Promise<T>) => Promise<T>,
): Promise<WaitForReplicas | undefined> {
	if (option === false) return undefined;
	if (option !== undefined || !isCluster(client)) return option;
	if (slotsShowReplicas((client as Cluster).slots)) return { ...CLUSTER_REPLICA_WAIT };
	// no replica in the map (or no map yet): a master whose replica took over shows only here
	const nodes = await run("open: list cluster nodes", () => (client as Cluster).cluster("NODES"));
	return nodesShowReplicas(String(nodes)) ? { ...CLUSTER_REPLICA_WAIT } : undefined;
}
