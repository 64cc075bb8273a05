// Replies by which a Redis Cluster node refuses a command without running it (the slot moved,
// is migrating, has no master, the node is a replica or still loading), and what to do before
// sending it again. ioredis follows these itself for single commands, but not for a pipeline
// holding a WAIT: the WAIT has to go to the node that took the write, so the backend follows
// them itself and sends the whole pipeline again.
import type { Cluster } from "ioredis";
import type { RedisLike } from "./client.js";
import { isCluster } from "./client.js";

/** A refusal: the command was not run. `moved` names the slot and the node that serves it now. */
export interface ClusterRefusal {
	kind: "MOVED" | "ASK" | "CLUSTERDOWN" | "TRYAGAIN" | "MASTERDOWN" | "READONLY" | "LOADING";
	slot?: number;
	node?: string;
}

// also as the "last error" of ioredis' "Too many Cluster redirections" (with or without the
// error's class name in front)
const REFUSAL_RE =
	/^(?:Too many Cluster redirections\. Last error: (?:\w*Error: )?)?(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|LOADING)\b(?: (\d+) (\S+))?/;

/** The refusal an error message is, if it is one. */
export function clusterRefusal(message: string): ClusterRefusal | undefined {
	const m = REFUSAL_RE.exec(message);
	if (!m) return undefined;
	const refusal: ClusterRefusal = { kind: m[1] as ClusterRefusal["kind"] };
	if (m[2] !== undefined && m[3] !== undefined) {
		refusal.slot = Number(m[2]);
		refusal.node = m[3];
	}
	return refusal;
}

/** The first refusal among a pipeline's replies. */
export function firstRefusal(
	replies: readonly [Error | null, unknown][] | null,
): ClusterRefusal | undefined {
	for (const [error] of replies ?? []) {
		const refusal = error ? clusterRefusal(error.message) : undefined;
		if (refusal) return refusal;
	}
	return undefined;
}

function nodeKey(node: {
	options: { host?: string | undefined; port?: number | undefined };
}): string {
	return `${node.options.host}:${node.options.port}`;
}

/**
 * The node an `ASK` sends the command to, when the client has it among its nodes (the pipeline,
 * built by the client as before, is sent there behind `ASKING`); `undefined` otherwise, and for
 * every other refusal.
 */
export function askTarget(client: RedisLike, refusal: ClusterRefusal): string | undefined {
	if (refusal.kind !== "ASK" || refusal.node === undefined || !isCluster(client)) return undefined;
	return client.nodes("all").some((n) => nodeKey(n) === refusal.node) ? refusal.node : undefined;
}

/** Refreshes the slot map, resolving when done (or after `ms`). */
function refreshSlots(cluster: Cluster, ms: number): Promise<void> {
	return new Promise((done) => {
		const timer = setTimeout(done, ms);
		cluster.refreshSlotsCache(() => {
			clearTimeout(timer);
			done();
		});
	});
}

/**
 * Gets ready to send a refused pipeline again: after `MOVED`, points the slot at the node it
 * names (as ioredis does for a single command) when that node is known, and refreshes the slot
 * map; after the others waits a little (a failover, a migration or a load in progress), longer
 * at each attempt, never past `deadline`.
 */
export async function followRefusal(
	client: RedisLike,
	refusal: ClusterRefusal,
	attempt: number,
	deadline: number,
): Promise<void> {
	const left = Math.max(0, deadline - Date.now());
	if (isCluster(client)) {
		const { slot, node } = refusal;
		const known = node !== undefined && client.nodes("all").some((n) => nodeKey(n) === node);
		if (refusal.kind === "MOVED" && slot !== undefined && node !== undefined && known) {
			const owners = client.slots[slot];
			if (owners) owners[0] = node;
			else client.slots[slot] = [node];
			client.refreshSlotsCache();
			return;
		}
		if (refusal.kind === "MOVED" || refusal.kind === "READONLY")
			await refreshSlots(client, Math.min(left, 1000));
	}
	await new Promise((r) => setTimeout(r, Math.min(left, 20 * 2 ** Math.min(attempt, 4))));
}
