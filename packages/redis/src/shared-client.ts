// The clients the backend creates itself (`url`, `cluster`): one per server and options in the
// process, shared by every session opened with the same ones, closed with the last of them.
import { createHmac, randomBytes } from "node:crypto";
import { SessionBackendError } from "@x/session-core";
import { type SharedHandle, SharedResources } from "@x/session-core/backend";
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedisLike } from "./client.js";
import { BACKEND } from "./keys.js";

/** A Redis Cluster for the backend to connect to. */
export interface RedisClusterTarget {
	/** Startup nodes: `{ host, port }`, a port, or `"host:port"`. */
	nodes: ClusterNode[];
	/** ioredis `Cluster` options (the password goes in `redisOptions.password`). */
	options?: ClusterOptions;
}

/** Where to connect when no client is passed. */
export interface RedisTarget {
	url?: string;
	redisOptions?: RedisOptions;
	cluster?: RedisClusterTarget;
}

/** What the backend's own clients get unless the options say otherwise (see the README). */
const CLIENT_DEFAULTS = { connectTimeout: 5_000, maxRetriesPerRequest: 2 } as const;

/**
 * The registry's keys are an HMAC of the target under a key made at start-up: equal targets
 * get equal keys, and a key shows nothing of the password it covers.
 */
const KEY_SECRET = randomBytes(32);

const clients = new SharedResources<RedisLike>(async (client) => {
	// QUIT lets the replies owed arrive; a client that is not connected is just dropped
	if (client.status !== "ready") return client.disconnect();
	await client.quit().catch(() => client.disconnect());
});

/** Functions and class instances in options compare by identity. */
const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** A stable text for an options value: objects with sorted keys, functions by identity. */
function canonical(value: unknown): unknown {
	if (typeof value === "function" || (typeof value === "object" && value !== null)) {
		const o = value as object;
		if (Buffer.isBuffer(o)) return `buffer:${o.toString("hex")}`;
		if (Array.isArray(o)) return o.map(canonical);
		const proto = Object.getPrototypeOf(o);
		if (typeof value === "function" || (proto !== Object.prototype && proto !== null)) {
			let id = identities.get(o);
			if (id === undefined) {
				id = ++nextIdentity;
				identities.set(o, id);
			}
			return `object#${id}`;
		}
		return Object.fromEntries(
			Object.keys(o)
				.sort()
				.map((k) => [k, canonical((o as Record<string, unknown>)[k])]),
		);
	}
	return value;
}

function invalid(message: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend: BACKEND });
}

/**
 * Checks synchronously that exactly one of `client`, `url` and `cluster` is given, and that it
 * is usable (never echoing the URL, which may hold a password).
 */
export function checkLocation(location: ClientOrTarget): void {
	const given = [location?.client, location?.url, location?.cluster].filter((o) => o !== undefined);
	if (given.length !== 1)
		throw invalid(
			given.length === 0
				? "give where the sessions live: url (e.g. redis://127.0.0.1:6379), cluster ({ nodes }), or an ioredis client"
				: "give one of client, url and cluster, not several",
		);
	if (location.client !== undefined && typeof location.client?.defineCommand !== "function")
		throw invalid("client must be an ioredis Redis or Cluster");
	validateTarget(location);
}

function validateTarget(target: RedisTarget): void {
	if (target.url !== undefined) {
		if (typeof target.url !== "string" || !/^rediss?:\/\//i.test(target.url))
			throw invalid(
				"url must be a redis:// or rediss:// URL, e.g. redis://:password@127.0.0.1:6379/0",
			);
		if (target.cluster !== undefined)
			throw invalid("give either url (one server) or cluster (a Redis Cluster), not both");
	} else if (target.cluster !== undefined) {
		if (!Array.isArray(target.cluster?.nodes) || target.cluster.nodes.length === 0)
			throw invalid("cluster.nodes must list at least one startup node, e.g. [{ host, port }]");
		if (target.redisOptions !== undefined)
			throw invalid("with cluster, put the nodes' options in cluster.options.redisOptions");
	}
}

/**
 * The shared client for `target`: created by the first session, shared by every later one with
 * an equal target, closed when the last of them releases it.
 */
export function acquireSharedClient(target: RedisTarget): Promise<SharedHandle<RedisLike>> {
	const key = createHmac("sha256", KEY_SECRET)
		.update(
			JSON.stringify(
				canonical({ url: target.url, redisOptions: target.redisOptions, cluster: target.cluster }),
			),
		)
		.digest("base64url");
	return clients.acquire(key, () => createClient(target));
}

function createClient(target: RedisTarget): RedisLike {
	if (target.cluster) {
		const options = target.cluster.options ?? {};
		return new Cluster(target.cluster.nodes, {
			...options,
			redisOptions: { ...CLIENT_DEFAULTS, ...options.redisOptions },
		} as never);
	}
	return new Redis(
		target.url as string,
		{
			...CLIENT_DEFAULTS,
			...target.redisOptions,
		} as never,
	);
}

/** Where sessions are, as the static methods take it: a caller's client, or a target. */
export interface ClientOrTarget extends RedisTarget {
	client?: RedisLike | undefined;
}

/**
 * Runs `task` on the caller's client, or on the shared client of the target (made for it when no
 * session holds one, and closed after it when none does).
 */
export async function withClient<T>(
	location: ClientOrTarget,
	task: (client: RedisLike) => Promise<T>,
): Promise<T> {
	checkLocation(location);
	if (location.client !== undefined) return task(location.client);
	const shared = await acquireSharedClient(location);
	try {
		return await task(shared.value);
	} finally {
		await shared.release();
	}
}
