import { hostname } from "node:os";
import { SessionBackendError, SessionConnectionError } from "@x/session-core";
import { isProcessAlive } from "@x/session-core/node";
import {
	keyedQueue,
	redactSecrets,
	type SqlDriver,
	type SqlExecutor,
	type SqlParam,
	type SqlRow,
} from "@x/session-core/sql";
import pg from "pg";
import { postgresDialect } from "./dialect.js";

const BACKEND = "postgres";
const INT8 = 20;

/** How `pg` connects: a connection string or a pool of yours, and the schema that holds the tables. */
export interface PostgresConnectOptions {
	/** `postgres://user:password@host:port/db`; the password never appears in errors. */
	connectionString?: string;
	/** An existing pool (not ended by the backend). Its int8 columns are read as bigint here, per query. */
	pool?: pg.Pool;
	/**
	 * An existing, connected client (not ended by the backend). Every statement and transaction
	 * of the backends sharing it is queued, so they never interleave; `search_path` and
	 * `statement_timeout` are set on it once.
	 */
	client?: pg.Client;
	/** The schema that holds the tables (created if missing; default `public`). */
	schema?: string;
	/** Bound on connecting (default 5000 ms). */
	connectTimeoutMs?: number;
	/**
	 * Server-side `statement_timeout` for every statement (default 10 000 ms). A client-side
	 * bound of this plus 5 s also ends the wait when the server or the network stops answering.
	 */
	statementTimeoutMs?: number;
	/** `application_name` of the connections, as `pg_stat_activity` shows it (default `x-session`). */
	applicationName?: string;
	/**
	 * Create nothing (not even the schema) and, on connections opened here, run every
	 * transaction read-only (`default_transaction_read_only`). Set by the backend's `readOnly`.
	 */
	readOnly?: boolean;
}

/** Reads int8 as bigint for our queries only: the pool's global parsers are left alone. */
const types = {
	getTypeParser(oid: number, format?: "text" | "binary") {
		if (oid === INT8) return (value: string) => BigInt(value);
		return pg.types.getTypeParser(oid, format as "text");
	},
};

/** `?` placeholders become `$1…` (our SQL has no `?` inside literals). */
function numbered(sql: string): string {
	let n = 0;
	return sql.replace(/\?/g, () => `$${++n}`);
}

/** Bytes as Buffers (what pg sends as bytea), inside array parameters too. */
function bind(params: readonly SqlParam[] = []): unknown[] {
	return params.map(bindOne);
}

function bindOne(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(bindOne);
	return v instanceof Uint8Array && !Buffer.isBuffer(v)
		? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
		: v;
}

function executor(
	client: pg.Pool | pg.PoolClient,
	lost: () => unknown = () => undefined,
): SqlExecutor {
	const query = (sql: string, params: readonly SqlParam[] | undefined) => {
		// the server's own reason (57P01…) rather than pg's "not queryable"
		const fault = lost();
		if (fault) return Promise.reject(fault);
		return client.query({ text: numbered(sql), values: bind(params), types });
	};
	return {
		async run(sql, params) {
			return { changes: (await query(sql, params)).rowCount ?? 0 };
		},
		async all(sql, params) {
			return (await query(sql, params)).rows as SqlRow[];
		},
	};
}

/**
 * Listens for `error` on a client while this driver holds it. pg-pool removes its own listener
 * while a client is checked out, and a caller's client may have none: a connection the server
 * ends between two statements of a transaction (restart, failover, `pg_terminate_backend`) would
 * otherwise be an unhandled `error` event, which ends the process. The error is kept and thrown
 * by the next statement, and the client is dropped on release.
 */
function watch(client: pg.PoolClient): { lost: () => unknown; stop: () => void } {
	let fault: unknown;
	const onError = (error: Error) => {
		fault ??= error;
	};
	client.on("error", onError);
	return { lost: () => fault, stop: () => client.off("error", onError) };
}

/**
 * The connection broke after COMMIT was sent: the server may have committed. Reported as
 * `TIMEOUT` (outcome unknown), so `CONNECTION` always means the write was not applied.
 */
class CommitOutcomeUnknown extends Error {}

function quoteIdent(name: string): string {
	if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"schema must be a plain identifier (letters, digits, _)",
			{
				backend: BACKEND,
			},
		);
	return `"${name}"`;
}

/** Where the database is, without user or password. */
export function displayConnection(connectionString: string | undefined): string {
	if (!connectionString) return "postgres (pool)";
	try {
		const u = new URL(connectionString);
		return `postgres://${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
	} catch {
		return "postgres (connection string)";
	}
}

function secretsOf(connectionString: string | undefined): string[] {
	if (!connectionString) return [];
	try {
		const u = new URL(connectionString);
		return [u.password, decodeURIComponent(u.password), connectionString].filter(
			(s) => s.length >= 3,
		);
	} catch {
		return [connectionString];
	}
}

/** True for errors of the connection itself (not reported by the server): the client is dropped. */
function isConnectionFault(error: unknown): boolean {
	if (error instanceof SessionBackendError) return false; // ours, thrown inside a transaction
	const code = (error as { code?: unknown })?.code;
	if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
	return code.startsWith("08") || code.startsWith("57P");
}

/**
 * True when the server or the network ended the connection (not a timeout: a server that does
 * not answer is not retried, the call's time bound holds).
 */
function wasDropped(error: unknown): boolean {
	const e = error as { code?: unknown; message?: unknown };
	const code = typeof e?.code === "string" ? e.code : "";
	if (/^(57P0[123]|08\d\d\d|ECONNRESET|EPIPE)$/.test(code)) return true;
	return /Connection terminated|not queryable/i.test(String(e?.message ?? ""));
}

/** One queue per caller's client: its statements and transactions never interleave. */
const enqueue = keyedQueue();

/** A caller's single client as a pool-like source of connections, one user at a time. */
function singleClient(client: pg.Client, setup: string): Pick<pg.Pool, "connect" | "query"> {
	let configured = false;
	const lease = async () => {
		if (!configured) {
			await client.query(setup);
			configured = true;
		}
		return {
			query: client.query.bind(client),
			on: client.on.bind(client),
			off: client.off.bind(client),
			release() {},
		} as unknown as pg.PoolClient;
	};
	return {
		connect: (() => {
			// the caller of connect() releases; the queue slot is held until then
			let release!: () => void;
			const held = new Promise<void>((r) => {
				release = r;
			});
			return new Promise<pg.PoolClient>((resolve, reject) => {
				void enqueue(client, async () => {
					try {
						const c = await lease();
						c.release = () => release();
						resolve(c);
					} catch (error) {
						release();
						reject(error);
					}
					await held;
				});
			});
		}) as pg.Pool["connect"],
		query: ((text: string) =>
			enqueue(client, () => client.query(text))) as unknown as pg.Pool["query"],
	};
}

/** A pg pool (or client) as the shared SQL layer's driver, with every statement run in `schema`. */
export function postgresDriver(options: PostgresConnectOptions): SqlDriver {
	const owned = !options.pool && !options.client;
	const schema = quoteIdent(options.schema ?? "public");
	const location = `${displayConnection(options.connectionString)}${options.schema ? ` (schema ${options.schema})` : ""}`;
	const secrets = secretsOf(options.connectionString);
	const statementTimeout = options.statementTimeoutMs ?? 10_000;
	const pool: Pick<pg.Pool, "connect" | "query"> & Partial<Pick<pg.Pool, "end" | "on">> =
		(options.client &&
			singleClient(
				options.client,
				`SET search_path TO ${schema}; SET statement_timeout = ${Math.floor(statementTimeout)}`,
			)) ??
		options.pool ??
		new pg.Pool({
			connectionString: options.connectionString,
			connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
			statement_timeout: statementTimeout,
			query_timeout: statementTimeout + 5000,
			application_name: options.applicationName ?? "x-session",
			// set once per connection rather than on every checkout
			options: `-c search_path=${schema} -c statement_timeout=${Math.floor(statementTimeout)}${options.readOnly ? " -c default_transaction_read_only=on" : ""}`,
			max: 4,
		});
	if (owned) pool.on?.("error", () => undefined); // idle clients dropped by the server: reported on next use
	let prepared: Promise<void> | undefined;
	const ready = () =>
		(prepared ??= options.readOnly
			? Promise.resolve()
			: pool
					.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
					.then(() => undefined)
					.catch((error: unknown) => {
						// two pools creating the schema at once: the loser sees a duplicate, which is fine
						const code = (error as { code?: string }).code;
						if (code === "23505" || code === "42P06") return;
						prepared = undefined;
						throw error;
					}));
	/** A pooled client with the search path (and, for a caller's pool, the timeout) set. */
	const connect = async () => {
		await ready();
		const client = await pool.connect();
		const watched = watch(client);
		/** Back to the pool; dropped when it broke (a fault of a statement, or one between them). */
		const release = (fault?: unknown) => {
			watched.stop();
			client.release((fault ?? watched.lost()) as Error | undefined);
		};
		if (owned || options.client) return { client, lost: watched.lost, release };
		try {
			await client.query(
				`SET search_path TO ${schema}; SET statement_timeout = ${Math.floor(statementTimeout)}`,
			);
		} catch (error) {
			release(error instanceof Error ? error : true);
			throw error;
		}
		return { client, lost: watched.lost, release };
	};
	const once = async <T>(use: (x: SqlExecutor) => Promise<T>): Promise<T> => {
		const { client, lost, release } = await connect();
		let fault: unknown;
		try {
			return await use(executor(client, lost));
		} catch (error) {
			if (isConnectionFault(error)) fault = error;
			throw error;
		} finally {
			// a connection that timed out or broke is dropped, not handed to the next caller
			release(fault);
		}
	};
	/**
	 * A client with a transaction begun. A pooled connection the server ended while it sat idle
	 * (its notice not yet read) fails at BEGIN, before anything was done: it is dropped and
	 * another tried, so the first write after a restart does not fail on a connection from before.
	 */
	const begin = async () => {
		for (let attempt = 1; ; attempt++) {
			const held = await connect();
			try {
				await executor(held.client, held.lost).run("BEGIN");
				return held;
			} catch (error) {
				held.release(isConnectionFault(error) ? error : undefined);
				if (!wasDropped(error) || attempt === 3) throw error;
			}
		}
	};
	return {
		name: BACKEND,
		dialect: postgresDialect,
		location,
		processInfo: { pid: process.pid, host: hostname() },
		run: (sql, params) => once((x) => x.run(sql, params)),
		all: (sql, params) => once((x) => x.all(sql, params)),
		async transaction(fn) {
			const { client, lost, release } = await begin();
			const x = executor(client, lost);
			let broken: unknown;
			let committing = false;
			try {
				const result = await fn(x);
				committing = true;
				await x.run("COMMIT");
				return result;
			} catch (error) {
				if (isConnectionFault(error)) {
					broken = error;
					// before COMMIT the server rolls back a transaction whose connection is gone
					if (committing)
						throw new CommitOutcomeUnknown("commit outcome unknown", { cause: error });
				} else
					await client.query("ROLLBACK").catch((e: unknown) => {
						broken = e ?? true;
					});
				throw error;
			} finally {
				release(broken);
			}
		},
		isProcessAlive,
		mapError: (error, operation) => mapError(error, operation, location, secrets),
		async close() {
			if (owned) await pool.end?.().catch(() => undefined);
		},
	};
}

export function mapError(
	error: unknown,
	operation: string,
	location: string,
	secrets: readonly string[],
): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const e = error as { code?: string; message?: string };
	const code = String(e?.code ?? "");
	const text = redactSecrets(String(e?.message ?? error), secrets).slice(0, 200);
	const where = `${operation} on ${location}`;
	if (error instanceof CommitOutcomeUnknown)
		return new SessionConnectionError(
			`${where}: the connection was lost while committing, so the write may or may not have been applied (load() to see; repeat it if it is missing)`,
			{ backend: BACKEND, code: "TIMEOUT" },
		);
	// 28xxx: invalid authorization; 3D000: no such database
	if (code.startsWith("28") || code === "3D000")
		return new SessionConnectionError(`${where}: the server refused the login (${code})`, {
			backend: BACKEND,
			code: "AUTH",
		});
	if (code === "57014")
		return new SessionConnectionError(`${where}: the statement timed out`, {
			backend: BACKEND,
			code: "TIMEOUT",
		});
	if (/timeout/i.test(text) && !code)
		return new SessionConnectionError(`${where}: no answer in time`, {
			backend: BACKEND,
			code: "TIMEOUT",
		});
	if (
		/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|EPIPE|57P01|57P02|57P03|08\d\d\d)$/.test(
			code,
		) ||
		/terminat|Connection/i.test(text)
	)
		return new SessionConnectionError(
			`${where}: cannot reach the server (${code || "connection lost"})`,
			{
				backend: BACKEND,
				code: "CONNECTION",
			},
		);
	return new SessionBackendError("IO", `${where} failed: ${code ? `${code} ` : ""}${text}`, {
		backend: BACKEND,
	});
}
