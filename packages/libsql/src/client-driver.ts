import { existsSync } from "node:fs";
import { hostname } from "node:os";
import {
	type Client,
	type Config,
	createClient,
	type InArgs,
	type Transaction,
} from "@libsql/client";
import { SessionBackendError } from "@x/session-core";
import { createBackupFile, isProcessAlive } from "@x/session-core/node";
import {
	LeaseKeeper,
	type SqlExecutor,
	type SqlParam,
	type SqlRow,
	type SqlValue,
} from "@x/session-core/sql";
import type { LibsqlConnectOptions, LibsqlDriver } from "./driver.js";
import { mapError } from "./errors.js";
import { fileQueue } from "./file-queue.js";
import { fileKey } from "./local-connection.js";
import { localPath, prepareLocalFile, restrictReplicaFiles } from "./local-file.js";

// The driver on @libsql/client: remote databases (sqld, Turso), embedded replicas, `:memory:`
// and a client the caller passes. (A local file goes through libsql directly: local-driver.ts.)

const BACKEND = "libsql";

/**
 * One queue per client (the sessions sharing one run their transactions one after another), and
 * per local file across clients and connections (a replica's file is a local file).
 */
const enqueue = fileQueue.run;

function args(params: readonly SqlParam[] = []): InArgs {
	// whole numbers go as integers: a JS number would be sent as a float over HTTP
	return params.map((v) =>
		typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v,
	) as InArgs;
}

function rows(result: { columns: string[]; rows: ArrayLike<unknown>[] }): SqlRow[] {
	return result.rows.map((row) => {
		const out: SqlRow = {};
		result.columns.forEach((name, i) => {
			const v = (row as unknown[])[i];
			out[name] = v instanceof ArrayBuffer ? new Uint8Array(v) : (v as SqlValue);
		});
		return out;
	});
}

function executor(target: Client | Transaction): SqlExecutor {
	return {
		async run(sql, params) {
			const r = await target.execute({ sql, args: args(params) });
			return { changes: r.rowsAffected };
		},
		async all(sql, params) {
			return rows(await target.execute({ sql, args: args(params) }));
		},
	};
}

/** A token passed in the URL (`?authToken=…`), so it can be kept out of messages too. */
function tokenInUrl(url: string | undefined): string | undefined {
	if (!url) return undefined;
	try {
		return new URL(url).searchParams.get("authToken") ?? undefined;
	} catch {
		return undefined;
	}
}

/** The secrets of a connection (its tokens), kept out of every message. */
export function secretsOf(options: LibsqlConnectOptions): string[] {
	return [options.authToken, tokenInUrl(options.url)].filter((s): s is string => !!s);
}

function isNetworkError(error: unknown): boolean {
	const chain: unknown[] = [error, (error as { cause?: unknown })?.cause];
	return chain.some((e) =>
		/ECONNRESET|ECONNREFUSED|EPIPE|fetch failed|socket hang up/i.test(
			`${(e as { code?: string })?.code ?? ""} ${(e as Error)?.message ?? ""}`,
		),
	);
}

/** Where the database is, without credentials or query parameters. */
export function displayUrl(url: string): string {
	try {
		const u = new URL(url);
		if (u.protocol === "file:") return url.replace(/\?.*$/, "");
		return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
	} catch {
		return url.startsWith("file:") || url === ":memory:"
			? url.replace(/\?.*$/, "")
			: "(invalid url)";
	}
}

/**
 * A @libsql/client client for `options` (not a caller's): a local file of a replica is checked
 * (or, read-only, must exist) first, and set to 0600 with the files beside it after.
 */
export function openClient(options: LibsqlConnectOptions): Client {
	const url = options.url ?? ":memory:";
	const location = displayUrl(url);
	const path = localPath(url);
	// an embedded replica refuses a file it did not create (no wal_index): it is chmod-ed after
	if (path && options.readOnly) {
		if (!existsSync(path))
			throw new SessionBackendError(
				"IO",
				`${location} does not exist (a read-only open creates nothing)`,
				{ backend: BACKEND },
			);
	} else if (path) prepareLocalFile(path, !options.syncUrl);
	const timeout = options.requestTimeoutMs ?? 10_000;
	const config: Config = {
		url,
		intMode: "bigint",
		fetch: (input: Request | string | URL, init?: RequestInit) =>
			fetch(input, { ...init, signal: AbortSignal.timeout(timeout) }),
		...(options.authToken ? { authToken: options.authToken } : {}),
		...(options.syncUrl ? { syncUrl: options.syncUrl } : {}),
	};
	let client: Client;
	try {
		client = createClient(config);
	} catch (error) {
		throw mapError(error, "open", location, secretsOf(options));
	}
	if (path && options.syncUrl) restrictReplicaFiles(path);
	return client;
}

/** One lease keeper per client: the sessions sharing a client renew their leases together. */
const keepers = new WeakMap<Client, LeaseKeeper>();

function keeperOf(client: Client, key: unknown): LeaseKeeper {
	let keeper = keepers.get(client);
	if (!keeper) {
		const direct = executor(client);
		keeper = new LeaseKeeper({ all: (sql, params) => enqueue(key, () => direct.all(sql, params)) });
		keepers.set(client, keeper);
	}
	return keeper;
}

/**
 * A driver on a @libsql/client client. `release` is what its `close()` does once the backend
 * closes: close a client opened for this driver alone, give back a share of one, or nothing for
 * a caller's.
 */
export function clientDriver(
	client: Client,
	options: LibsqlConnectOptions,
	release: () => Promise<void>,
): LibsqlDriver {
	const url = options.url ?? ":memory:";
	const secrets = secretsOf(options);
	const location = options.client ? "(libsql client)" : displayUrl(url);
	const direct = executor(client);
	const local = localPath(url);
	const key = options.client || !local || local === ":memory:" ? client : fileKey(local);
	const sync = async () => {
		if (!options.syncUrl && !options.client)
			throw new SessionBackendError(
				"INVALID_ARGUMENT",
				`sync: ${location} is not an embedded replica (open it with syncUrl)`,
				{ backend: BACKEND },
			);
		try {
			await enqueue(key, () => client.sync());
		} catch (error) {
			throw mapError(error, "sync", location, secrets);
		}
	};
	let closed = false;
	const driver: LibsqlDriver = {
		client,
		sync,
		name: BACKEND,
		location,
		processInfo: { pid: process.pid, host: hostname() },
		leaseKeeper: keeperOf(client, key),
		run: (sql, params) => enqueue(key, () => direct.run(sql, params)),
		// reads are idempotent: one retry after a network error (a dropped keep-alive connection)
		all: (sql, params) =>
			enqueue(key, () =>
				direct.all(sql, params).catch((error: unknown) => {
					if (!isNetworkError(error)) throw error;
					return new Promise((r) => setTimeout(r, 100)).then(() => direct.all(sql, params));
				}),
			),
		transaction: (fn) =>
			enqueue(key, async () => {
				const tx = await client.transaction("write");
				try {
					const result = await fn(executor(tx));
					await tx.commit();
					return result;
				} catch (error) {
					await tx.rollback().catch(() => undefined);
					throw error;
				} finally {
					tx.close();
				}
			}),
		isProcessAlive,
		mapError: (error, operation) => mapError(error, operation, location, secrets),
		async close() {
			if (closed) return;
			closed = true;
			await release();
		},
	};
	const path = localPath(url);
	if (path && path !== ":memory:" && !options.syncUrl && !options.client) {
		driver.backup = async () => {
			const dest = createBackupFile(path);
			await client.execute({ sql: "VACUUM INTO ?", args: [dest] });
			return dest;
		};
	}
	return driver;
}
