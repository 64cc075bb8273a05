import { SessionBackendError, UnsupportedVersionError } from "../errors.js";
import type { PersistedSession } from "../types.js";
import type { Dialect } from "./dialect.js";
import type { SqlDriver } from "./driver.js";
import { SCHEMA_VERSION } from "./schema.js";
import { sqliteDialect } from "./sqlite-family/dialect.js";

/** What {@link migrate} did. */
export interface MigrationResult {
	from: number;
	to: number;
	/** Set when a ferogram/layer database was imported (as session `"default"`). */
	importedReference?: { backup: string | undefined };
}

/** What a read-only open finds, found without writing anything. */
export type SchemaState =
	/** Our tables at a version this code reads. */
	| { kind: "ours"; version: number }
	/** No tables of ours and not a ferogram/layer database: no session there. */
	| { kind: "none" }
	/** A ferogram/layer database, read in memory (`undefined`: opened by it, never saved). */
	| { kind: "reference"; session: PersistedSession | undefined };

/** The driver's dialect: the SQLite family's unless it names another. */
export function dialectOf(db: SqlDriver): Dialect {
	const dialect = db.dialect ?? sqliteDialect;
	// before the Dialect interface a driver named its dialect with a string
	if (typeof dialect !== "object")
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`the driver's dialect must be a Dialect object (sqliteDialect from @x/session-core/sql, postgresDialect from @x/session-postgres), not ${JSON.stringify(String(dialect))}`,
			{ backend: db.name },
		);
	return dialect;
}

function newerVersionError(db: SqlDriver, version: number): UnsupportedVersionError {
	return new UnsupportedVersionError(
		version,
		`${db.location} has schema version ${version}; this version of x-session reads up to ${SCHEMA_VERSION}`,
		{ backend: db.name },
	);
}

/**
 * The database as it is, for a read-only open: nothing is migrated or created. A schema older
 * than {@link SCHEMA_VERSION} (which the current queries cannot read) and a newer one are errors;
 * a ferogram/layer database is read through the import's own reader, in memory.
 */
export async function readSchema(db: SqlDriver): Promise<SchemaState> {
	const dialect = dialectOf(db);
	const version = await dialect.schemaVersion(db);
	if (version > SCHEMA_VERSION) throw newerVersionError(db, version);
	if (version === SCHEMA_VERSION) return { kind: "ours", version };
	const found = version === 0 ? await dialect.unversioned(db) : undefined;
	if (found) return found;
	throw new UnsupportedVersionError(
		version,
		`${db.location} has schema version ${version}, which a read-only open cannot read; open it once for writing (x-session migrate) to migrate it to ${SCHEMA_VERSION}`,
		{ backend: db.name },
	);
}

/**
 * Brings the schema to {@link SCHEMA_VERSION} (the dialect's steps, each re-reading the version
 * under a lock, so two processes opening a fresh database at once migrate it once). A
 * ferogram/layer database is imported only with `foreign` (else an `UNSUPPORTED` error, nothing
 * changed).
 */
export async function migrate(
	db: SqlDriver,
	options: { foreign?: boolean } = {},
): Promise<MigrationResult> {
	const dialect = dialectOf(db);
	const from = await dialect.schemaVersion(db);
	if (from > SCHEMA_VERSION) throw newerVersionError(db, from);
	if (from === SCHEMA_VERSION) return { from, to: from };
	return dialect.upgrade(db, from, { foreign: options.foreign === true });
}
