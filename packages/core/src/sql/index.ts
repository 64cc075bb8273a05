/**
 * `@x/session-core/sql`: the SQL layer of the SQL backends (`@x/session-sqlite` on
 * better-sqlite3, `@x/session-libsql` on @libsql/client, `@x/session-postgres` on pg), so the
 * SQL is written once, dialect-neutral.
 *
 * A backend package implements {@link SqlDriver} (run, all, transaction; optionally backup,
 * process liveness and error mapping) with its {@link Dialect}, and subclasses
 * {@link SqlSessionBackend}: `new MyBackend(await prepareSqlSession(driver, options))`. The layer
 * owns the schema (`xs_*` tables keyed by session id), forward migrations, row ↔ model mapping
 * (64-bit values as bigint, strict: a bad row is a `CorruptSessionError`), single-row upserts for
 * the granular methods, and per-session leases with fencing. The SQLite family's dialect
 * ({@link sqliteDialect}: version in `PRAGMA user_version`, ferogram/layer import) is here;
 * PostgreSQL's is in `@x/session-postgres`. No `node:` imports: it runs wherever core runs.
 */
export { SqlSessionBackend } from "./backend.js";
export type { Dialect, PeerMetaWrite } from "./dialect.js";
export type { SqlDriver, SqlExecutor, SqlParam, SqlRow, SqlValue } from "./driver.js";
export { guard } from "./guard.js";
export {
	inListRenewal,
	LeaseKeeper,
	type LeaseKeeperExecutor,
	type LeaseRenewal,
	leaseKeeperOf,
} from "./lease-keeper.js";
export { type MigrationResult, migrate, readSchema, type SchemaState } from "./migrate.js";
export {
	deleteSqlSession,
	listSqlSessions,
	openSqlSession,
	type PreparedSqlSession,
	prepareSqlSession,
	type SqlSessionOptions,
	withDriver,
} from "./open.js";
export type { ClaimedIdentifiers, SettledBatch } from "./peer-batch.js";
export {
	joinedUsernames,
	lookupStatements,
	META_CONFLICT,
	type PeerLookup,
	rowsOutside,
} from "./peer-meta.js";
export { PEER_CONFLICT, UPSERT_PEER } from "./peers.js";
export { PEER_KINDS, peerParams, RowReader } from "./rows.js";
export { SCHEMA_VERSION } from "./schema.js";
export { sqliteDialect } from "./sqlite-family/dialect.js";
export { MIGRATIONS } from "./sqlite-family/schema.js";
export { keyedQueue, redactSecrets } from "./util.js";
