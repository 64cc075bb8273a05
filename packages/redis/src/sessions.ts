import { SessionLockedError } from "@x/session-core";
import type { Redis } from "ioredis";
import {
	bounded,
	checkDatabase,
	clientKeyPrefix,
	clientSecrets,
	DEFAULT_COMMAND_TIMEOUT,
	isCluster,
	type RedisLike,
	whenReady,
} from "./client.js";
import { BACKEND, metaScanPattern, sessionIdFromMetaKey, sessionKeys } from "./keys.js";
import { describeHolder, parseLeaseValue } from "./lease-holder.js";
import { defineScripts, type ScriptCommands } from "./scripts.js";
import { type RedisTarget, withClient } from "./shared-client.js";

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
 * @deprecated use `RedisSessionBackend.deleteSession(options, sessionId)`; kept until the next major.
 */
export function deleteRedisSession(
	location: RedisSessionsLocation & { sessionId: string },
): Promise<boolean> {
	return withClient(location, (client) => deleteOn(client, location));
}

async function deleteOn(
	client: RedisLike,
	location: RedisSessionsLocation & { sessionId: string },
): Promise<boolean> {
	const keys = sessionKeys(location.prefix ?? "xs", location.sessionId);
	defineScripts(client);
	const c = client as unknown as ScriptCommands<Promise<unknown>>;
	const timeout = location.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
	const probe = idleProbe(client);
	// never another database's session of the same name
	await checkDatabase(client, (op, x) => bounded(client, probe, timeout, op, x));
	// as the backend's writes: sent on a ready connection only, so CONNECTION means not deleted
	await whenReady(client, probe, clientSecrets(client), timeout, "delete session", true);
	const reply = (await bounded(
		client,
		probe,
		timeout,
		"delete session",
		() => c.xsessionDeleteFree(keys.lease, keys.fence, ...keys.data),
		true,
	)) as [number, string | number, number?];
	if (reply[0] === 0) {
		const holder = parseLeaseValue(String(reply[1]), reply[2]);
		throw new SessionLockedError(
			`session "${location.sessionId}" is open elsewhere: locked by ${describeHolder(holder)}`,
			{
				backend: BACKEND,
				...(holder ? { holder } : {}),
			},
		);
	}
	return Number(reply[1]) > 0;
}
