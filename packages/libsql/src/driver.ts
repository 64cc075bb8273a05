import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { resolve as resolvePath } from "node:path";
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
	keyedQueue,
	type SqlDriver,
	type SqlExecutor,
	type SqlParam,
	type SqlRow,
	type SqlValue,
} from "@x/session-core/sql";
import { mapError } from "./errors.js";
import { localPath, prepareLocalFile, restrictReplicaFiles } from "./local-file.js";

const BACKEND = "libsql";

/** Where and how `@libsql/client` connects: a URL (local file, memory or remote), a token, or a client of yours. */
export interface LibsqlConnectOptions {
	/** `file:path.db`, `:memory:`, `libsql://…`, `https://…` or `http://…` (sqld, Turso). */
	url?: string;
	/** The database token for remote URLs; never shown in errors. */
	authToken?: string;
	/** Embedded replica: `url` is a local `file:` and this is the remote it syncs from. */
	syncUrl?: string;
	/** Bound on every HTTP request to a remote database (default 10 000 ms). */
	requestTimeoutMs?: number;
	/** An existing client (its `intMode` must be `"bigint"`); not closed by the backend. */
	client?: Client;
	/**
	 * Local files: `"full"` (default, as the SQLite backend): every commit survives power loss.
	 * `"normal"`: a commit survives a crash of the process, but the last ones may be lost on
	 * power loss; faster.
	 */
	synchronous?: "normal" | "full";
	/**
	 * A local file is opened as it is: not created when missing (an error instead), and its mode
	 * not checked (nothing is written). Set by the backend's `readOnly` option.
	 */
	readOnly?: boolean;
}

/**
 * One queue per client, and per local file across clients: a local libSQL connection blocks the
 * thread while it waits for a lock, so two clients of one file must not interleave transactions.
 */
const enqueue = keyedQueue();

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

/** The driver of a libSQL database, with its client. */
export interface LibsqlDriver extends SqlDriver {
	/** The @libsql/client client: the caller's, or the one opened here (closed by `close()`). */
	readonly client: Client;
	/** Pulls the remote's changes into an embedded replica, queued with this client's transactions. */
	sync(): Promise<void>;
}

/** How long `close()` waits for another connection's reader to let its checkpoint finish. */
const CLOSE_CHECKPOINT_WAIT_MS = 2000;

/** A @libsql/client connection as the shared SQL layer's driver. */
export function libsqlDriver(options: LibsqlConnectOptions): LibsqlDriver {
	const owned = !options.client;
	const url = options.url ?? ":memory:";
	const secrets = [options.authToken, tokenInUrl(options.url)].filter((s): s is string => !!s);
	const location = options.client ? "(libsql client)" : displayUrl(url);
	let client: Client;
	if (options.client) {
		client = options.client;
	} else {
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
		try {
			client = createClient(config);
		} catch (error) {
			throw mapError(error, "open", location, secrets);
		}
		if (path && options.syncUrl) restrictReplicaFiles(path);
	}
	const direct = executor(client);
	const local = localPath(url);
	// a local file we write (not a replica: its frames belong to the sync protocol)
	const scrubbed =
		owned && !!local && local !== ":memory:" && !options.syncUrl && !options.readOnly;
	const key = options.client || !local ? client : resolvePath(local);
	/**
	 * Copies the -wal into the database and empties it: the older page images it holds (a key
	 * before it was encrypted or deleted) go with it, and the database file alone holds the
	 * session. Only on a local file this driver writes. A reader of another connection keeps
	 * the checkpoint from finishing (SQLite answers `busy`, it does not throw): on close, where
	 * libSQL leaves the -wal as it is, it is retried for up to `waitMs`.
	 */
	const checkpoint = async (waitMs = 0) => {
		if (!scrubbed) return;
		const deadline = Date.now() + waitMs;
		for (;;) {
			const result = await enqueue(key, () =>
				client.execute("PRAGMA wal_checkpoint(TRUNCATE)"),
			).catch(() => undefined);
			if (!result || Number(result.rows[0]?.busy ?? 0) === 0 || Date.now() >= deadline) return;
			await new Promise((r) => setTimeout(r, 50));
		}
	};
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
	const driver: LibsqlDriver = {
		client,
		sync,
		name: BACKEND,
		location,
		processInfo: { pid: process.pid, host: hostname() },
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
					// per transaction: the client pools connections, and the setting is per connection.
					// Deleted and overwritten content is zeroed, not left in free space (an auth key
					// replaced by its envelope, or deleted)
					if (scrubbed) await tx.execute("PRAGMA secure_delete = ON");
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
		checkpoint: () => checkpoint(),
		async close() {
			if (!owned) return;
			// libSQL's close() leaves the -wal as it is: without this, the session would live in
			// the -wal and a copy of the database file alone would hold none of it
			await checkpoint(CLOSE_CHECKPOINT_WAIT_MS);
			client.close();
		},
	};
	const path = localPath(url);
	if (path && !options.syncUrl) {
		driver.backup = async () => {
			const dest = createBackupFile(path);
			await client.execute({ sql: "VACUUM INTO ?", args: [dest] });
			return dest;
		};
	}
	return driver;
}
