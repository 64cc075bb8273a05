// One renewer per client keeps every lease the process holds there alive at a constant cost: one
// timer, and per interval one round trip per server (a Cluster: per master) carrying one script
// that renews up to RENEW_CHUNK leases, followed by the sessions' durability waits on the same
// connection, so a renewal counts only once the replicas have it (as a lease's own renewal).
import type { Cluster, Redis } from "ioredis";
import {
	bounded,
	type ConnectionWatch,
	clientKeyPrefix,
	isCluster,
	type RedisLike,
} from "./client.js";
import { appendWaits, checkWaits, type Durability, durabilityAllowance } from "./durability.js";
import { keySlot } from "./key-slot.js";
import type { Lease, RenewReply } from "./lease.js";
import { RENEW_MANY_LUA } from "./scripts.js";

/** Leases renewed by one script call: bounds the time one call holds the server (~1 ms). */
const RENEW_CHUNK = 1000;

interface Entry {
	lease: Lease;
	durability: Durability;
	/** The session's commandTimeout (0: none). */
	timeoutMs: number;
	/** A third of the TTL: how often it is renewed. */
	every: number;
	/** When the next renewal is due. */
	due: number;
	/** A renewal of it is in flight (a slow node holds up its own leases only). */
	renewing: boolean;
}

/** A batch sent on one connection: the same durability waits, one node. */
interface Batch {
	connection: Redis;
	durability: Durability;
	entries: Entry[];
}

/**
 * Renews the leases of every session on one client. A renewal that fails (server away, replicas
 * not confirming) is retried on the next tick, as a lease's own timer did; a lease found gone is
 * lost for good, and its session's next write is refused with `SessionLockedError`. On a Cluster,
 * a lease whose node could not be reached or no longer serves its slot is renewed alone, through
 * the cluster's redirects.
 */
export class LeaseRenewer {
	readonly #client: RedisLike;
	readonly #watch: ConnectionWatch;
	readonly #entries = new Set<Entry>();
	#timer: NodeJS.Timeout | undefined;
	#tickMs = 0;

	constructor(client: RedisLike, watch: ConnectionWatch) {
		this.#client = client;
		this.#watch = watch;
	}

	/** How many leases it keeps. */
	get size(): number {
		return this.#entries.size;
	}

	/** Starts renewing `lease` every third of its TTL; returns the function that stops it. */
	add(lease: Lease, durability: Durability, timeoutMs: number): () => void {
		const every = Math.max(50, Math.floor(lease.ttlMs / 3));
		const entry: Entry = {
			lease,
			durability,
			timeoutMs,
			every,
			due: Date.now() + every,
			renewing: false,
		};
		this.#entries.add(entry);
		this.#schedule();
		return () => {
			if (this.#entries.delete(entry)) this.#schedule();
		};
	}

	/** One timer, ticking at the shortest interval of the leases it holds (none when empty). */
	#schedule(): void {
		let tick = Number.POSITIVE_INFINITY;
		for (const e of this.#entries) tick = Math.min(tick, e.every);
		if (!Number.isFinite(tick)) tick = 0;
		if (tick === this.#tickMs) return;
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
		this.#tickMs = tick;
		if (tick === 0) return;
		this.#timer = setInterval(() => this.#tick(), tick);
		this.#timer.unref();
	}

	#tick(): void {
		// due within half a tick: a timer firing a little early must not push a renewal a whole
		// interval later. A lease whose renewal is still in flight (its node slow or away, until
		// commandTimeout) is skipped: one renewal at a time per lease, as with its own timer
		const now = Date.now() + this.#tickMs / 2;
		const due = [...this.#entries].filter((e) => !e.renewing && e.due <= now);
		if (due.length === 0) return;
		for (const e of due) e.renewing = true;
		this.#renew(due)
			.catch(() => undefined)
			.finally(() => {
				for (const e of due) e.renewing = false;
			});
	}

	async #renew(due: Entry[]): Promise<void> {
		const alone: Entry[] = [];
		const batches = this.#batches(due, alone);
		// each batch settles on its own: a node away does not hold up the others' leases
		await Promise.all([
			...batches.map(async (b) => {
				const moved: Entry[] = [];
				await this.#sendBatch(b, moved);
				await this.#renewAlone(moved);
				for (const e of b.entries) e.renewing = false;
			}),
			this.#renewAlone(alone),
		]);
	}

	/** Groups the due leases by connection (the master serving their slot) and durability. */
	#batches(due: Entry[], alone: Entry[]): Batch[] {
		const out = new Map<string, Batch>();
		const cluster = isCluster(this.#client) ? (this.#client as Cluster) : undefined;
		const nodes = cluster ? nodesByKey(cluster) : undefined;
		for (const e of due) {
			let connection: Redis | undefined = this.#client as Redis;
			let node = "";
			if (cluster && nodes) {
				node = cluster.slots[keySlot(e.lease.keys.lease)]?.[0] ?? "";
				connection = nodes.get(node);
			}
			if (!connection) {
				alone.push(e);
				continue;
			}
			const key = `${node} ${JSON.stringify(e.durability)}`;
			let batch = out.get(key);
			if (!batch) {
				batch = { connection, durability: e.durability, entries: [] };
				out.set(key, batch);
			}
			batch.entries.push(e);
		}
		return [...out.values()];
	}

	/**
	 * One pipeline on the batch's connection: the renew scripts, then the waits. Leases renewed
	 * and confirmed are due again a third of their TTL after it was sent; leases found gone are
	 * settled as lost; the others are retried on the next tick (on a Cluster: now, alone).
	 */
	async #sendBatch(batch: Batch, alone: Entry[]): Promise<void> {
		const sentAt = Date.now();
		const { connection, durability, entries } = batch;
		if (connection.status !== "ready") {
			if (isCluster(this.#client)) alone.push(...entries);
			return;
		}
		const prefix = clientKeyPrefix(this.#client);
		const timeout = Math.min(...entries.map((e) => e.timeoutMs || Number.POSITIVE_INFINITY));
		const ms = Number.isFinite(timeout) ? timeout + durabilityAllowance(durability) : 0;
		const chunks: Entry[][] = [];
		for (let o = 0; o < entries.length; o += RENEW_CHUNK)
			chunks.push(entries.slice(o, o + RENEW_CHUNK));
		let replies: [Error | null, unknown][];
		try {
			replies = (await bounded(
				this.#client,
				this.#watch,
				ms,
				"renew leases",
				() => {
					const p = connection.pipeline();
					for (const chunk of chunks) {
						const args = chunk.flatMap((e) => [
							prefix + e.lease.keys.base,
							e.lease.value,
							String(e.lease.ttlMs),
						]);
						p.eval(RENEW_MANY_LUA, 0, ...args);
					}
					appendWaits(p, durability);
					return p.exec();
				},
				true,
			)) as [Error | null, unknown][];
		} catch {
			if (isCluster(this.#client)) alone.push(...entries);
			return;
		}
		const waits = replies.slice(chunks.length).map(([e, v]) => (e ? undefined : v));
		let confirmed = true;
		try {
			checkWaits(waits, durability, "renew leases");
		} catch {
			confirmed = false;
		}
		chunks.forEach((chunk, c) => {
			const [error, value] = replies[c] ?? [new Error("no reply"), null];
			if (error || !Array.isArray(value)) {
				if (isCluster(this.#client)) alone.push(...chunk);
				return;
			}
			chunk.forEach((e, i) => {
				const reply = value[i];
				if (reply === 1) {
					if (confirmed) e.due = sentAt + e.every;
				} else if (Array.isArray(reply) && reply[0] === 0) {
					e.lease.settleRenewal(reply as RenewReply);
				} else if (isCluster(this.#client)) {
					alone.push(e); // a key this node does not serve (its slot moved)
				}
			});
		});
	}

	/**
	 * Leases no batch could renew (a Cluster node away, a slot moved), each on its own through
	 * the cluster's redirects and its session's waits; a failure is retried on the next tick.
	 */
	async #renewAlone(entries: Entry[]): Promise<void> {
		await Promise.all(
			entries.map(async (e) => {
				const sentAt = Date.now();
				try {
					if (await e.lease.renew()) e.due = sentAt + e.every;
				} catch {}
			}),
		);
	}
}

/** The cluster's node connections by `host:port`, the keys of its slot table. */
function nodesByKey(cluster: Cluster): Map<string, Redis> {
	const out = new Map<string, Redis>();
	for (const node of cluster.nodes("master")) {
		const o = node.options as { host?: string; port?: number };
		out.set(`${o.host}:${o.port}`, node);
	}
	return out;
}
