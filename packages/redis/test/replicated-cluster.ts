// A real Redis Cluster with replicas (by default 3 masters + 3 replicas) started by the tests on
// private loopback ports and temp dirs, with a short cluster-node-timeout so failovers take about
// a second. Nodes can be SIGKILLed and restarted, paused (SIGSTOP) and resumed, and failed over.
// `destroy()` kills every process and removes every directory; an exit hook does the same if the
// test process dies first.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import { Cluster, type ClusterOptions } from "ioredis";
import { type OwnServer, startServer } from "./servers.js";

import { keySlot } from "./slot.js";

const run = promisify(execFile);

/** One node of the cluster. */
export interface ClusterNode {
	readonly port: number;
	readonly server: OwnServer;
	/** SIGSTOP'ed and not yet resumed. */
	paused: boolean;
	/** SIGKILLed and not yet restarted. */
	dead: boolean;
}

/** `CLUSTER NODES` as seen by one node. */
interface NodeLine {
	id: string;
	port: number;
	flags: string[];
	masterId: string;
	slots: string[];
}

async function cli(port: number, ...args: string[]): Promise<string> {
	const { stdout } = await run("redis-cli", ["-p", String(port), ...args], { timeout: 5000 });
	return stdout;
}

function parseNodes(text: string): NodeLine[] {
	return text
		.trim()
		.split("\n")
		.filter(Boolean)
		.map((line) => {
			const [id, addr, flags, masterId, , , , , ...slots] = line.split(" ");
			return {
				id: id as string,
				port: Number((addr as string).split("@")[0]?.split(":")[1]),
				flags: (flags as string).split(","),
				masterId: masterId as string,
				slots,
			};
		});
}

function servesSlot(line: NodeLine, slot: number): boolean {
	return line.slots.some((range) => {
		if (range.startsWith("[")) return false; // a slot being migrated/imported
		const [a = Number.NaN, b = a] = range.split("-").map(Number);
		return slot >= a && slot <= b;
	});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A started cluster. */
export class ReplicatedCluster {
	readonly nodes: ClusterNode[];
	readonly #exitHook = () => this.#killAllNow();

	private constructor(nodes: ClusterNode[]) {
		this.nodes = nodes;
		process.once("exit", this.#exitHook);
	}

	/** Starts `masters` × (1 + `replicasPerMaster`) nodes and waits until the cluster is settled. */
	static async start(
		options: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number } = {},
	): Promise<ReplicatedCluster> {
		const masters = options.masters ?? 3;
		const replicas = options.replicasPerMaster ?? 1;
		const nodes: ClusterNode[] = [];
		const cluster = new ReplicatedCluster(nodes);
		try {
			for (let i = 0; i < masters * (1 + replicas); i++) {
				const server = await startServer([
					"--cluster-enabled",
					"yes",
					"--cluster-config-file",
					"nodes.conf",
					"--cluster-node-timeout",
					String(options.nodeTimeoutMs ?? 1000),
					// a replica may always take over, however long its link was down
					"--cluster-replica-validity-factor",
					"0",
					"--repl-ping-replica-period",
					"1",
				]);
				nodes.push({ port: server.port, server, paused: false, dead: false });
			}
			await run(
				"redis-cli",
				[
					"--cluster",
					"create",
					...nodes.map((n) => `127.0.0.1:${n.port}`),
					"--cluster-replicas",
					String(replicas),
					"--cluster-yes",
				],
				{ timeout: 30_000 },
			);
			await cluster.settle();
		} catch (e) {
			await cluster.destroy();
			throw e;
		}
		return cluster;
	}

	/** An ioredis client of the cluster (retries fast; its slot map refreshes only on errors). */
	client(options: ClusterOptions = {}): Cluster {
		const c = new Cluster(
			this.nodes.map((n) => ({ host: "127.0.0.1", port: n.port })),
			{
				slotsRefreshTimeout: 1000,
				clusterRetryStrategy: () => 100,
				retryDelayOnFailover: 50,
				retryDelayOnClusterDown: 50,
				retryDelayOnTryAgain: 50,
				...options,
				redisOptions: {
					maxRetriesPerRequest: 1,
					connectTimeout: 1000,
					retryStrategy: () => 100,
					...options.redisOptions,
				},
			} as never,
		);
		c.on("error", () => undefined);
		c.on("node error", () => undefined);
		return c;
	}

	/** The live, unpaused nodes. */
	get live(): ClusterNode[] {
		return this.nodes.filter((n) => !n.dead && !n.paused);
	}

	/** `CLUSTER NODES` as one live node sees it. */
	async view(from = this.live[0] as ClusterNode): Promise<NodeLine[]> {
		return parseNodes(await cli(from.port, "CLUSTER", "NODES"));
	}

	/** The node serving `key`'s slot as master, and its replica, by a live node's view. */
	async roles(key: string): Promise<{ master: ClusterNode; replica: ClusterNode }> {
		const slot = keySlot(key);
		const lines = await this.view();
		const m = lines.find((l) => l.flags.includes("master") && servesSlot(l, slot));
		const r = lines.find((l) => l.masterId === m?.id && !l.flags.includes("fail"));
		const master = this.nodes.find((n) => n.port === m?.port);
		const replica = this.nodes.find((n) => n.port === r?.port);
		if (!master || !replica) throw new Error(`slot ${slot} has no master with a replica now`);
		return { master, replica };
	}

	/**
	 * Cuts `master`'s links to its replicas and keeps them from resyncing (a wrong `masterauth`
	 * makes their handshake fail): from now on what the master takes is on the master only, as
	 * with a lagging replica. {@link settle} heals it.
	 */
	async cutReplication(master: ClusterNode): Promise<void> {
		const lines = await this.view();
		const id = lines.find((l) => l.port === master.port)?.id;
		for (const l of lines.filter((x) => x.masterId === id))
			await cli(l.port, "CONFIG", "SET", "masterauth", "x-session-test-cut");
		await cli(master.port, "CLIENT", "KILL", "TYPE", "replica");
	}

	/**
	 * Starts moving `key`'s slot from its master to the master `to` (`IMPORTING` on `to`,
	 * `MIGRATING` on the source) and moves every key of the slot there, leaving the migration
	 * open: the source now answers `ASK` for those keys. {@link finishMigration} ends it.
	 */
	async startMigration(key: string, to: ClusterNode): Promise<{ slot: number; from: ClusterNode }> {
		const slot = keySlot(key);
		const { master: from } = await this.roles(key);
		const lines = await this.view();
		const id = (n: ClusterNode) => lines.find((l) => l.port === n.port)?.id as string;
		await cli(to.port, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", id(from));
		await cli(from.port, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", id(to));
		const keys = (await cli(from.port, "CLUSTER", "GETKEYSINSLOT", String(slot), "10000"))
			.split("\n")
			.filter(Boolean);
		if (keys.length > 0) {
			const out = await cli(
				from.port,
				"MIGRATE",
				"127.0.0.1",
				String(to.port),
				"",
				"0",
				"5000",
				"KEYS",
				...keys,
			);
			if (!out.includes("OK")) throw new Error(`MIGRATE: ${out}`);
		}
		return { slot, from };
	}

	/** Ends a migration: the slot belongs to `to` (told to both nodes; the others learn it by gossip). */
	async finishMigration(slot: number, from: ClusterNode, to: ClusterNode): Promise<void> {
		const id = (await this.view()).find((l) => l.port === to.port)?.id as string;
		for (const n of [to, from]) await cli(n.port, "CLUSTER", "SETSLOT", String(slot), "NODE", id);
	}

	/** The live masters serving slots, by a live node's view. */
	async masters(): Promise<ClusterNode[]> {
		const lines = await this.view();
		return this.nodes.filter((n) =>
			lines.some((l) => l.port === n.port && l.flags.includes("master") && l.slots.length > 0),
		);
	}

	/** SIGKILL, no shutdown. */
	async kill(node: ClusterNode): Promise<void> {
		if (node.paused) this.resumeNow(node);
		await node.server.kill();
		node.dead = true;
	}

	/** Starts a killed node again (same port, dir and nodes.conf: it rejoins as a replica). */
	async restart(node: ClusterNode): Promise<void> {
		await node.server.restart();
		node.dead = false;
	}

	/** SIGSTOP: the process keeps its sockets but answers nothing. */
	pause(node: ClusterNode): void {
		node.server.process.kill("SIGSTOP");
		node.paused = true;
	}

	/** SIGCONT. */
	resumeNow(node: ClusterNode): void {
		node.server.process.kill("SIGCONT");
		node.paused = false;
	}

	/** `CLUSTER FAILOVER [FORCE|TAKEOVER]` on a replica. */
	async failover(replica: ClusterNode, mode?: "FORCE" | "TAKEOVER"): Promise<void> {
		const out = await cli(replica.port, "CLUSTER", "FAILOVER", ...(mode ? [mode] : []));
		if (!out.includes("OK")) throw new Error(`CLUSTER FAILOVER ${mode ?? ""}: ${out}`);
	}

	/** Resolves once `node` says it is master of `key`'s slot. */
	async waitMaster(node: ClusterNode, key: string, timeoutMs = 20_000): Promise<void> {
		const slot = keySlot(key);
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const mine = (await this.view(node)).find((l) => l.flags.includes("myself"));
			if (mine?.flags.includes("master") && servesSlot(mine, slot)) return;
			if (Date.now() > deadline) throw new Error(`port ${node.port} did not become master`);
			await sleep(50);
		}
	}

	/**
	 * Resolves once every node is up, every live node reports `cluster_state:ok` and the same
	 * masters, and every master has a replica whose link is up (restarting any killed node and
	 * resuming any paused one first).
	 */
	async settle(timeoutMs = 30_000): Promise<void> {
		for (const n of this.nodes) {
			if (n.paused) this.resumeNow(n);
			if (n.dead) await this.restart(n);
			await cli(n.port, "CONFIG", "SET", "masterauth", "");
		}
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (await this.#settled().catch(() => false)) return;
			if (Date.now() > deadline) throw new Error("the cluster did not settle");
			await sleep(100);
		}
	}

	async #settled(): Promise<boolean> {
		let masters: string | undefined;
		for (const n of this.nodes) {
			if (!(await cli(n.port, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
			const lines = await this.view(n);
			if (lines.some((l) => l.flags.some((f) => f.startsWith("fail") || f === "handshake")))
				return false;
			const seen = lines
				.filter((l) => l.flags.includes("master") && l.slots.length > 0)
				.map((l) => l.id)
				.sort()
				.join(",");
			if (masters !== undefined && seen !== masters) return false;
			masters = seen;
			const info = await cli(n.port, "INFO", "replication");
			if (info.includes("role:slave") && !info.includes("master_link_status:up")) return false;
			if (info.includes("role:master") && !/connected_slaves:[1-9]/.test(info)) return false;
		}
		return true;
	}

	/** Kills every process and removes every directory. */
	async destroy(): Promise<void> {
		process.off("exit", this.#exitHook);
		for (const n of this.nodes) if (n.paused) this.resumeNow(n);
		await Promise.all(this.nodes.map((n) => n.server.destroy()));
	}

	#killAllNow(): void {
		for (const n of this.nodes) {
			try {
				n.server.process.kill("SIGKILL");
			} catch {}
			rmSync(n.server.dir, { recursive: true, force: true });
		}
	}
}
