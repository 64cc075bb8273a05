import { hostname } from "node:os";
import { SessionBackendError } from "@x/session-core";
import { isProcessAlive } from "@x/session-core/node";
import type {
	LeaseKeeperExecutor,
	SqlDriver,
	SqlExecutor,
	SqlParam,
	SqlRow,
} from "@x/session-core/sql";
import pg from "pg";
import { postgresDialect } from "./dialect.js";
import {
	BACKEND,
	CommitOutcomeUnknown,
	displayConnection,
	isConnectionFault,
	mapError,
	secretsOf,
	wasDropped,
} from "./errors.js";
import { isFencedWrite } from "./fenced-write.js";
import { leaseKeeperFor } from "./lease-keeper.js";
import { acquirePool } from "./shared-pool.js";
import { singleClient } from "./single-client.js";
import { type PreparedText, statementsIn } from "./statements.js";

export { displayConnection, mapError } from "./errors.js";

const INT8 = 20;

/** How `pg` connects: a connection string or a pool of yours, and the schema that holds the tables. */
export interface PostgresConnectOptions {
	/**
	 * `postgres://user:password@host:port/db`; the password never appears in errors. Every session
	 * of this process opened with the same string and settings shares one pool (`poolSize`
	 * connections), ended when the last of them closes.
	 */
	connectionString?: string;
	/**
	 * An existing pool, used as it is and never ended by the backend. Nothing is set on its
	 * connections (tables are schema-qualified, timeouts `SET LOCAL` inside our transactions);
	 * its int8 columns are read as bigint here, per query.
	 */
	pool?: pg.Pool;
	/**
	 * An existing, connected client (not ended by the backend). Every statement and transaction
	 * of the backends sharing it is queued, so they never interleave; nothing is set on it.
	 */
	client?: pg.Client;
	/** The schema that holds the tables (created if missing; default `public`). */
	schema?: string;
	/** Bound on connecting (default 5000 ms). */
	connectTimeoutMs?: number;
	/**
	 * Server-side `statement_timeout` for every statement (default 10 000 ms; on a pool or client
	 * of yours, for the statements of our transactions). A client-side bound of this plus 5 s
	 * also ends the wait when the server or the network stops answering.
	 */
	statementTimeoutMs?: number;
	/** `application_name` of the connections, as `pg_stat_activity` shows it (default `x-session`). */
	applicationName?: string;
	/**
	 * Server connections of the pool opened from `connectionString`, which every session of the
	 * process on the same database and settings shares (default 10).
	 */
	poolSize?: number;
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

type Source = Pick<pg.Pool, "connect" | "query">;
type Statement = (sql: string) => PreparedText;

function executor(
	client: pg.PoolClient,
	statement: Statement,
	queryTimeout: number | undefined,
	lost: () => unknown = () => undefined,
): SqlExecutor {
	const query = (sql: string, params: readonly SqlParam[] | undefined) => {
		// the server's own reason (57P01…) rather than pg's "not queryable"
		const fault = lost();
		if (fault) return Promise.reject(fault);
		const { text, name } = statement(sql);
		return client.query({
			text,
			name,
			values: bind(params),
			types,
			...(queryTimeout ? { query_timeout: queryTimeout } : {}),
		} as pg.QueryConfig);
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

function quoteIdent(name: string): string {
	if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"schema must be a plain identifier (letters, digits, _)",
			{
				backend: BACKEND,
			},
		);
	return name;
}

/** `CREATE SCHEMA IF NOT EXISTS` once per pool and schema, not once per session. */
const schemasMade = new WeakMap<object, Map<string, Promise<void>>>();

function makeSchema(source: Source, schema: string): Promise<void> {
	const made = schemasMade.get(source) ?? new Map<string, Promise<void>>();
	schemasMade.set(source, made);
	let once = made.get(schema);
	if (!once) {
		once = source
			.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
			.then(() => undefined)
			.catch((error: unknown) => {
				// two pools creating the schema at once: the loser sees a duplicate, which is fine
				const code = (error as { code?: string }).code;
				if (code === "23505" || code === "42P06") return;
				made.delete(schema);
				throw error;
			});
		made.set(schema, once);
	}
	return once;
}

/**
 * A pg pool (or client) as the shared SQL layer's driver, every statement naming the tables of
 * `schema`. From a connection string, the process's shared pool for it (see `poolSize`); a pool
 * or client of yours is used as it is: no `SET` on its connections, never ended here.
 */
export function postgresDriver(options: PostgresConnectOptions): SqlDriver {
	const schema = quoteIdent(options.schema ?? "public");
	const location = `${displayConnection(options.connectionString)}${options.schema ? ` (schema ${options.schema})` : ""}`;
	const secrets = secretsOf(options.connectionString);
	const statementTimeout = Math.floor(options.statementTimeoutMs ?? 10_000);
	const caller: Source | undefined =
		(options.client && singleClient(options.client)) ?? options.pool;
	const settings = {
		connectionString: options.connectionString,
		connectTimeoutMs: options.connectTimeoutMs ?? 5000,
		statementTimeoutMs: statementTimeout,
		applicationName: options.applicationName ?? "x-session",
		readOnly: options.readOnly === true,
		size: options.poolSize ?? 10,
	};
	const shared = caller ? undefined : acquirePool(settings);
	// lease renewals on a connection of their own, so they never wait behind a thousand writes
	const renewals =
		caller || options.readOnly ? undefined : acquirePool({ ...settings, size: 1, renewals: true });
	renewals?.catch(() => undefined);
	// the pool or client sessions share (and renew their leases on), once the shared one is made
	let sharedBy: object | undefined = options.client ?? options.pool;
	shared?.then(
		(handle) => {
			sharedBy = handle.value;
		},
		() => undefined, // reported by the first statement
	);
	const source = async (): Promise<Source> => caller ?? (await shared!).value;
	const statement = statementsIn(schema);
	// a caller's connections have no timeout of ours: bound the wait client-side (ours set both)
	const queryTimeout = caller ? statementTimeout + 5000 : undefined;
	const beginSql = caller ? `BEGIN; SET LOCAL statement_timeout = ${statementTimeout}` : "BEGIN";
	const ready = async () => {
		const pool = await source();
		if (!options.readOnly) await makeSchema(pool, schema);
		return pool;
	};
	const connect = async () => {
		const client = await (await ready()).connect();
		const watched = watch(client);
		/** Back to the pool; dropped when it broke (a fault of a statement, or one between them). */
		const release = (fault?: unknown) => {
			watched.stop();
			client.release((fault ?? watched.lost()) as Error | undefined);
		};
		return { client, lost: watched.lost, release };
	};
	/** One statement on a connection of the pool. */
	const once = async <T>(use: (x: SqlExecutor) => Promise<T>): Promise<T> => {
		const { client, lost, release } = await connect();
		let fault: unknown;
		try {
			return await use(executor(client, statement, queryTimeout, lost));
		} catch (error) {
			if (isConnectionFault(error)) fault = error;
			throw error;
		} finally {
			// a connection that timed out or broke is dropped, not handed to the next caller
			release(fault);
		}
	};
	/**
	 * A write that commits by itself (`fencedWrite`: it sets values, so running it twice is
	 * running it once). On a connection the server or network ended (a pooled one that died
	 * while idle, or during the statement) it runs again on another, up to 3 tries; when it was
	 * sent and no answer is known it is a lost commit (`TIMEOUT`), so `CONNECTION` still means
	 * not applied.
	 */
	const commitAlone = async (sql: string, params: readonly SqlParam[] | undefined) => {
		for (let attempt = 1; ; attempt++) {
			const { client, lost, release } = await connect();
			try {
				const rows = await executor(client, statement, queryTimeout, lost).all(sql, params);
				release();
				return rows;
			} catch (error) {
				if (!isConnectionFault(error)) {
					release();
					throw error;
				}
				release(error);
				if (!wasDropped(error) || attempt === 3)
					throw new CommitOutcomeUnknown("write outcome unknown", { cause: error });
			}
		}
	};
	/** A transaction-control statement (simple protocol: BEGIN and SET LOCAL in one round trip). */
	const control = (client: pg.PoolClient, lost: () => unknown, sql: string) => {
		const fault = lost();
		return fault ? Promise.reject(fault) : client.query(sql);
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
				await control(held.client, held.lost, beginSql);
				return held;
			} catch (error) {
				held.release(isConnectionFault(error) ? error : undefined);
				if (!wasDropped(error) || attempt === 3) throw error;
			}
		}
	};
	let closed = false;
	const driver: SqlDriver = {
		name: BACKEND,
		dialect: postgresDialect,
		location,
		processInfo: { pid: process.pid, host: hostname() },
		run: (sql, params) => once((x) => x.run(sql, params)),
		all: (sql, params) =>
			isFencedWrite(sql) ? commitAlone(sql, params) : once((x) => x.all(sql, params)),
		async transaction(fn) {
			const { client, lost, release } = await begin();
			const x = executor(client, statement, queryTimeout, lost);
			let broken: unknown;
			let committing = false;
			try {
				const result = await fn(x);
				committing = true;
				await control(client, lost, "COMMIT");
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
		/** One renewal statement per interval for every session of this schema on the same pool. */
		get leaseKeeper() {
			return leaseKeeperFor(sharedBy ?? driver, schema, renewer);
		},
		async close() {
			if (closed) return;
			closed = true;
			await shared?.then((handle) => handle.release()).catch(() => undefined);
			await renewals?.then((handle) => handle.release()).catch(() => undefined);
		},
	};
	const renewer: LeaseKeeperExecutor = renewals
		? {
				async all(sql, params) {
					const { text, name } = statement(sql);
					const pool = (await renewals).value;
					const result = await pool.query({
						text,
						name,
						values: bind(params),
						types,
					} as pg.QueryConfig);
					return result.rows as SqlRow[];
				},
			}
		: driver;
	return driver;
}
