import { createHash } from "node:crypto";
import { SharedResources } from "@x/session-core/backend";
import pg from "pg";

/** What a pool opened from a connection string is made of; equal settings share one pool. */
export interface PoolSettings {
	connectionString: string | undefined;
	connectTimeoutMs: number;
	statementTimeoutMs: number;
	applicationName: string;
	readOnly: boolean;
	size: number;
	/** The pool of one connection that renews the leases (never queued behind the writes). */
	renewals?: boolean;
}

/**
 * The pools this process opened from connection strings, one per database and settings, shared
 * by every session, listing and deletion on it and ended with the last of them: a thousand
 * sessions cost `size` server connections, not a thousand.
 */
const pools = new SharedResources<pg.Pool>((pool) => pool.end().catch(() => undefined));

/** The key of a pool: a digest, so the password is in no map key, message or dump. */
function keyOf(settings: PoolSettings): string {
	return createHash("sha256").update(JSON.stringify(settings)).digest("base64url");
}

function createPool(s: PoolSettings): pg.Pool {
	/** Bounds connecting only: pg-pool's own bound would also end a turn waited in its queue. */
	class BoundedClient extends pg.Client {
		constructor(config?: pg.ClientConfig) {
			super({ ...config, connectionTimeoutMillis: s.connectTimeoutMs });
		}
	}
	const pool = new pg.Pool({
		Client: BoundedClient,
		connectionString: s.connectionString,
		// a call waits its turn for one of `size` connections (each statement is bounded)
		connectionTimeoutMillis: 0,
		statement_timeout: s.statementTimeoutMs,
		query_timeout: s.statementTimeoutMs + 5000,
		application_name: s.applicationName,
		// set once per connection (names are schema-qualified, so no search_path is needed)
		options: `-c statement_timeout=${s.statementTimeoutMs}${s.readOnly ? " -c default_transaction_read_only=on" : ""}`,
		max: s.size,
	});
	pool.on("error", () => undefined); // idle clients dropped by the server: reported on next use
	return pool;
}

/** This process's pool for `settings`, shared; `release` it once (the last release ends it). */
export function acquirePool(settings: PoolSettings) {
	return pools.acquire(keyOf(settings), () => createPool(settings));
}
