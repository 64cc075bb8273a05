import { SessionBackendError } from "@x/session-core";
import type { Cluster, Redis } from "ioredis";
import { type ConnectionProbe, notConnected, withTimeout } from "./errors.js";
import { BACKEND } from "./keys.js";

/** An ioredis standalone client or cluster. */
export type RedisLike = Redis | Cluster;

/** Default per-operation timeout in ms. */
export const DEFAULT_COMMAND_TIMEOUT = 5000;

/** True for an ioredis `Cluster`. */
export function isCluster(client: RedisLike): client is Cluster {
	return (client as { isCluster?: boolean }).isCluster === true;
}

type AnyOptions = {
	password?: unknown;
	sentinelPassword?: unknown;
	keyPrefix?: unknown;
	redisOptions?: AnyOptions;
};

function clientOptions(client: RedisLike): AnyOptions {
	return ((client as unknown as { options?: AnyOptions }).options ?? {}) as AnyOptions;
}

/** Strings that must never appear in an error: the configured passwords. */
export function clientSecrets(client: RedisLike): string[] {
	const out: string[] = [];
	for (const o of [clientOptions(client), clientOptions(client).redisOptions ?? {}]) {
		for (const v of [o.password, o.sentinelPassword])
			if (typeof v === "string" && v.length > 0) out.push(v);
	}
	return out;
}

/** ioredis' transparent `keyPrefix` (applied to keys, but not to SCAN patterns or replies). */
export function clientKeyPrefix(client: RedisLike): string {
	const o = clientOptions(client);
	const p = o.keyPrefix ?? o.redisOptions?.keyPrefix;
	return typeof p === "string" ? p : "";
}

/**
 * Watches a client's connection state so a timeout can say whether the server was slow or not
 * connected at all. Listens to `error` events (which also keeps ioredis from logging them).
 */
export class ConnectionWatch implements ConnectionProbe {
	#last: string | undefined;
	readonly #client: RedisLike;
	readonly #onError = (error: unknown): void => {
		this.#last = error instanceof Error ? error.message : String(error);
	};
	readonly #onReady = (): void => {
		this.#last = undefined;
	};

	constructor(client: RedisLike) {
		this.#client = client;
		client.on("error", this.#onError);
		client.on("ready", this.#onReady);
	}

	status(): string {
		return this.#client.status;
	}

	lastError(): string | undefined {
		return this.#last;
	}

	/** Removes the listeners. */
	detach(): void {
		this.#client.off("error", this.#onError);
		this.#client.off("ready", this.#onReady);
	}
}

/** A bounded call: `command()` with the timeout and typed-error mapping (`sent`: see withTimeout). */
export function bounded<T>(
	client: RedisLike,
	probe: ConnectionProbe,
	timeoutMs: number,
	op: string,
	command: () => Promise<T>,
	sent = false,
): Promise<T> {
	let p: Promise<T>;
	try {
		p = command();
	} catch (e) {
		p = Promise.reject(e);
	}
	return withTimeout(p, timeoutMs, op, probe, clientSecrets(client), sent);
}

/**
 * Resolves once the client is `ready`, waiting at most `timeoutMs` (0: no bound); otherwise
 * rejects with `CONNECTION` (or `AUTH`). Commands wait here instead of in ioredis's offline
 * queue, which would send a write on reconnect even after its caller was told it failed: a
 * write refused here was never sent, so `CONNECTION` means it was not applied. Waiters are
 * released in call order, so calls still go out in the order they were made.
 */
export function whenReady(
	client: RedisLike,
	probe: ConnectionProbe,
	secrets: readonly string[],
	timeoutMs: number,
	op: string,
	write: boolean,
): Promise<void> {
	if (client.status === "ready") return Promise.resolve();
	if (client.status === "end")
		return Promise.reject(notConnected(op, timeoutMs, probe, secrets, write));
	return new Promise<void>((resolve, reject) => {
		const timer =
			timeoutMs > 0
				? setTimeout(() => reject(notConnected(op, timeoutMs, probe, secrets, write)), timeoutMs)
				: undefined;
		nextReady(client).then(
			() => {
				clearTimeout(timer);
				resolve();
			},
			() => {
				clearTimeout(timer);
				reject(notConnected(op, timeoutMs, probe, secrets, write));
			},
		);
	});
}

/** One wait per client and outage, shared by every waiting call (not a listener per call). */
const readyWaits = new WeakMap<RedisLike, Promise<void>>();

/** Resolves on the client's next `ready`, rejects on `end`. */
function nextReady(client: RedisLike): Promise<void> {
	let wait = readyWaits.get(client);
	if (!wait) {
		wait = new Promise<void>((resolve, reject) => {
			const settle = (ok: boolean) => {
				client.off("ready", onReady);
				client.off("end", onEnd);
				readyWaits.delete(client);
				if (ok) resolve();
				else reject(new Error("end"));
			};
			const onReady = () => settle(true);
			const onEnd = () => settle(false);
			client.on("ready", onReady);
			client.on("end", onEnd);
		});
		wait.catch(() => undefined); // a wait whose callers all timed out
		readyWaits.set(client, wait);
		// a lazyConnect client connects on its first command, which now waits here
		if (client.status === "wait") client.connect().catch(() => undefined);
	}
	return wait;
}

/** The database ioredis believes its connection is on: the `db` option, or a later `select()`. */
function intendedDb(client: Redis): number {
	const c = client as unknown as { condition?: { select?: unknown }; options?: { db?: unknown } };
	const db = Number(c.condition?.select ?? c.options?.db ?? 0);
	return Number.isInteger(db) ? db : 0;
}

/**
 * Checks that a standalone client is on the database it was configured for. ioredis reports a
 * refused `SELECT` (`ERR DB index is out of range`) only as an `error` event and stays on
 * database 0, where the session would be read and written unnoticed; so `SELECT` is sent again
 * (a no-op when it worked) and a refusal is `INVALID_ARGUMENT`.
 */
export async function checkDatabase(
	client: RedisLike,
	run: <T>(op: string, command: () => Promise<T>) => Promise<T>,
): Promise<void> {
	if (isCluster(client)) return; // a cluster has database 0 only, and ioredis sends no SELECT
	const db = intendedDb(client);
	if (db === 0) return;
	try {
		await run("open", () => client.select(db));
	} catch (error) {
		const text = error instanceof Error ? error.message : String(error);
		if (!/DB index|invalid DB|not an integer or out of range|SELECT is not allowed/i.test(text))
			throw error;
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`open: the server refused database ${db} (${text.replace(/^.*?(ERR )/, "$1").slice(0, 120)}), so the client stayed on another database: configure the client with a db the server has (its \`databases\` setting, 16 by default)`,
			{ backend: BACKEND },
		);
	}
}
