import { chmodSync, closeSync, existsSync, openSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve as resolvePath } from "node:path";
import {
	type Client,
	type Config,
	createClient,
	type InArgs,
	type Transaction,
} from "@libsql/client";
import { CorruptSessionError, SessionBackendError, SessionConnectionError } from "@x/session-core";
import {
	keyedQueue,
	redactSecrets,
	type SqlDriver,
	type SqlExecutor,
	type SqlRow,
	type SqlValue,
} from "@x/session-core/sql";

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

function args(params: readonly SqlValue[] = []): InArgs {
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

function localPath(url: string | undefined): string | undefined {
	if (!url?.startsWith("file:")) return undefined;
	return decodeURIComponent(
		url
			.slice(5)
			.replace(/\?.*$/, "")
			.replace(/^\/\/(?=\/)/, ""),
	);
}

/** A @libsql/client connection as the shared SQL layer's driver. */
export function libsqlDriver(options: LibsqlConnectOptions): {
	driver: SqlDriver;
	client: Client;
	/** Pulls the remote's changes into an embedded replica, queued with this client's transactions. */
	sync: () => Promise<void>;
} {
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
	 * before it was encrypted or deleted) go with it. Only on a local file this driver writes.
	 */
	const checkpoint = async () => {
		if (!scrubbed) return;
		await enqueue(key, () => client.execute("PRAGMA wal_checkpoint(TRUNCATE)")).catch(
			() => undefined,
		);
	};
	const driver: SqlDriver = {
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
		isProcessAlive(pid) {
			try {
				process.kill(pid, 0);
				return true;
			} catch (error) {
				return (error as NodeJS.ErrnoException).code === "EPERM";
			}
		},
		mapError: (error, operation) => mapError(error, operation, location, secrets),
		checkpoint,
		async close() {
			if (!owned) return;
			await checkpoint(); // libSQL leaves the -wal as it is on close
			client.close();
		},
	};
	const path = localPath(url);
	if (path && !options.syncUrl) {
		driver.backup = async () => {
			const dest = `${path}.ferogram-backup-${new Date().toISOString().replace(/[:.]/g, "-")}`;
			closeSync(openSync(dest, "wx", 0o600));
			await client.execute({ sql: "VACUUM INTO ?", args: [dest] });
			return dest;
		};
	}
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
	return { driver, client, sync };
}

/** Creates a local database file 0600 (so its journal is too); refuses one readable by others. */
function prepareLocalFile(path: string, create: boolean): void {
	if (path === ":memory:" || path === "") return;
	if (!existsSync(path)) {
		const dir = dirname(resolvePath(path));
		// else an ENOENT from the file system, or, for a replica, a misleading connection error
		if (!existsSync(dir))
			throw new SessionBackendError(
				"IO",
				`cannot create ${path}: its directory ${dir} does not exist; create it (mkdir -p -m 700 ${dir}) and open again`,
				{ backend: BACKEND },
			);
		if (!create) return;
		try {
			closeSync(openSync(path, "a", 0o600));
		} catch (error) {
			throw new SessionBackendError(
				"IO",
				`cannot create ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
				{ backend: BACKEND, cause: error },
			);
		}
	}
	const mode = statSync(path).mode & 0o777;
	if (mode & 0o077)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`${path} has mode ${mode.toString(8).padStart(4, "0")}: other users can read the auth keys; run chmod 600 on it`,
			{ backend: BACKEND },
		);
}

/** The replica's database and the files libSQL keeps beside it, 0600. */
function restrictReplicaFiles(path: string): void {
	for (const suffix of ["", "-wal", "-shm", "-info", "-client_wal_index"])
		if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
}

export function mapError(
	error: unknown,
	operation: string,
	location: string,
	secrets: readonly string[],
): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const e = error as {
		code?: string;
		message?: string;
		cause?: { code?: string; name?: string; message?: string };
		name?: string;
		status?: number;
	};
	const code = String(e?.code ?? "");
	const text = redactSecrets(`${e?.message ?? ""} ${e?.cause?.message ?? ""}`, secrets);
	const where = `${operation} on ${location}`;
	const chain = [e, e?.cause, (e?.cause as { cause?: typeof e })?.cause];
	const has = (pred: (x: { code?: string; name?: string; message?: string }) => boolean) =>
		chain.some((x) => x && pred(x));
	if (
		has((x) => x.name === "TimeoutError" || x.name === "AbortError") ||
		/HandshakeTimeout/.test(text)
	)
		return new SessionConnectionError(`${where}: no answer in time`, {
			backend: BACKEND,
			code: "TIMEOUT",
		});
	if (
		/\b401\b|\b403\b|unauthori[sz]ed|forbidden/i.test(text) ||
		(code === "SERVER_ERROR" && /40[13]/.test(text))
	)
		return new SessionConnectionError(`${where}: the server refused the auth token`, {
			backend: BACKEND,
			code: "AUTH",
		});
	if (
		has((x) =>
			/ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|fetch failed|connection refused|error trying to connect/i.test(
				`${x.code ?? ""} ${x.message ?? ""}`,
			),
		)
	)
		return new SessionConnectionError(`${where}: cannot reach the server`, {
			backend: BACKEND,
			code: "CONNECTION",
		});
	if (/SQLITE_NOTADB|SQLITE_CORRUPT|file is not a database/i.test(`${code} ${text}`))
		return new CorruptSessionError(`${location} is not a readable SQLite database`, {
			backend: BACKEND,
		});
	if (/SQLITE_BUSY|database is locked/i.test(`${code} ${text}`))
		return new SessionBackendError("TIMEOUT", `${where}: the database stayed locked`, {
			backend: BACKEND,
		});
	return new SessionBackendError("IO", `${where} failed: ${code || text.trim().slice(0, 200)}`, {
		backend: BACKEND,
	});
}
