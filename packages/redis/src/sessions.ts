import type { Redis } from "ioredis";
import {
	bounded,
	checkDatabase,
	clientKeyPrefix,
	DEFAULT_COMMAND_TIMEOUT,
	isCluster,
	type RedisLike,
} from "./client.js";
import { metaScanPattern, sessionIdFromMetaKey } from "./keys.js";
import { type RedisTarget, withClient } from "./shared-client.js";
import { deleteUnheldSession } from "./unheld-delete.js";

/** Where the sessions live: an ioredis client of yours, or `url` / `cluster` as `open()` takes them. */
export interface RedisSessionsLocation extends RedisTarget {
	client?: RedisLike;
	/** Key prefix (default `"xs"`). */
	prefix?: string;
	/** Per-command timeout in ms (default 5000). */
	commandTimeout?: number;
}

const idleProbe = (client: RedisLike) => ({
	status: () => client.status,
	lastError: () => undefined,
});

/**
 * Lists the session ids stored under a prefix, with SCAN (never KEYS); on a Cluster every
 * master is scanned. Order is unspecified. A session exists once anything was written to it.
 * @deprecated use `RedisSessionBackend.listSessions(options)`; kept until the next major.
 */
export function listRedisSessions(location: RedisSessionsLocation): Promise<string[]> {
	return withClient(location, (client) => listOn(client, location));
}

async function listOn(client: RedisLike, location: RedisSessionsLocation): Promise<string[]> {
	const prefix = location.prefix ?? "xs";
	const timeout = location.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
	const keyPrefix = clientKeyPrefix(client);
	const pattern = keyPrefix.replace(/[*?[\]\\]/g, "\\$&") + metaScanPattern(prefix);
	await checkDatabase(client, (op, c) => bounded(client, idleProbe(client), timeout, op, c));
	const nodes: Redis[] = isCluster(client) ? client.nodes("master") : [client];
	const found = new Set<string>();
	for (const node of nodes) {
		let cursor = "0";
		do {
			const [next, keys] = await bounded(client, idleProbe(client), timeout, "list sessions", () =>
				node.scan(cursor, "MATCH", pattern, "COUNT", 1000),
			);
			cursor = next;
			for (const key of keys) {
				const id = sessionIdFromMetaKey(prefix, key.slice(keyPrefix.length));
				if (id !== undefined) found.add(id);
			}
		} while (cursor !== "0");
	}
	return [...found];
}

/**
 * Deletes a stored session that no instance holds open. Resolves `true` when there was data;
 * rejects with `SessionLockedError` when its lease is held (delete through the open backend).
 * Confirmed by replicas as `RedisSessionBackend.deleteSession` is (unheld-delete.ts).
 * @deprecated use `RedisSessionBackend.deleteSession(options, sessionId)`; kept until the next major.
 */
export function deleteRedisSession(
	location: RedisSessionsLocation & { sessionId: string },
): Promise<boolean> {
	return withClient(location, (client) => deleteUnheldSession({ ...location, client }));
}
