import type { Dialect } from "../dialect.js";
import { lookupStatements } from "../peer-meta.js";
import { schemaVersion, unversioned, upgrade } from "./migrate.js";
import { PHONE_INDEX_HINT, writePeerMeta } from "./peer-meta.js";
import { insertPeers, upsertPeers } from "./peers.js";

/**
 * The SQLite family's dialect, shared by `@x/session-sqlite` (better-sqlite3) and
 * `@x/session-libsql` (@libsql/client): version in `PRAGMA user_version`, ferogram/layer
 * databases imported, batches as multi-row statements that write only what changed. A SQLite
 * write transaction holds the database's write lock, so reading the lease needs no row lock.
 */
export const sqliteDialect: Dialect = {
	name: "sqlite",
	lookups: lookupStatements(PHONE_INDEX_HINT),
	leaseOwnerSql: "SELECT owner FROM xs_leases WHERE session_id = ?",
	schemaVersion,
	upgrade,
	unversioned,
	insertPeers,
	upsertPeers,
	writePeerMeta,
};
