/**
 * `@x/session-core/sql`: the SQL layer shared by the SQLite-family backends (`@x/session-sqlite`
 * on better-sqlite3, `@x/session-libsql` on @libsql/client), so the SQL is written once.
 *
 * A backend package implements {@link SqlDriver} (run, all, transaction; optionally backup,
 * process liveness and error mapping) and opens `SqlSessionBackend.open(driver, options)`. The
 * layer owns the schema (`xs_*` tables keyed by session id, version in `PRAGMA user_version`),
 * forward migrations, the import of ferogram/layer databases, row ↔ model mapping (64-bit values
 * as bigint, strict: a bad row is a `CorruptSessionError`), single-row upserts for the granular
 * methods, and per-session leases with fencing. No `node:` imports: it runs wherever core runs.
 */
export { guard, SqlSessionBackend, type SqlSessionOptions } from "./backend.js";
export type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from "./driver.js";
export { type MigrationResult, migrate, readSchema, type SchemaState } from "./migrate.js";
export { MIGRATIONS, POSTGRES_MIGRATIONS, SCHEMA_VERSION } from "./schema.js";
export { keyedQueue, redactSecrets } from "./util.js";
