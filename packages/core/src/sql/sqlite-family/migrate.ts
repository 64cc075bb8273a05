import type { SqlDriver, SqlExecutor } from "../driver.js";
import type { MigrationResult, SchemaState } from "../migrate.js";
import { SCHEMA_VERSION } from "../schema.js";
import {
	foreignDatabaseError,
	isReferenceDatabase,
	REFERENCE_TABLES,
	readReference,
	tableNames,
	writeImported,
} from "./reference.js";
import { MIGRATIONS } from "./schema.js";

// The SQLite family keeps the schema version in `PRAGMA user_version`; its migrations run in one
// `BEGIN IMMEDIATE` transaction (the database's write lock), which re-reads the version first.

export async function schemaVersion(db: SqlExecutor): Promise<number> {
	const [row] = await db.all("PRAGMA user_version");
	return Number(row?.user_version ?? 0);
}

/** A database without a version: a ferogram/layer one (read in memory), or none of ours. */
export async function unversioned(db: SqlDriver): Promise<SchemaState | undefined> {
	if (await isReferenceDatabase(db))
		return { kind: "reference", session: await readReference(db, db) };
	if (!(await tableNames(db)).has("xs_sessions")) return { kind: "none" };
	return undefined;
}

/**
 * Each step in one write transaction that re-reads the version first, so two processes opening a
 * fresh database at once migrate it once. A ferogram/layer database is imported only with
 * `foreign`: first copied aside (driver `backup()`, 0600), then imported into our tables as
 * session `"default"` and its tables dropped, in the same transaction as the schema.
 */
export async function upgrade(
	db: SqlDriver,
	from: number,
	options: { foreign: boolean },
): Promise<MigrationResult> {
	const reference = from === 0 && (await isReferenceDatabase(db));
	if (reference && !options.foreign) throw foreignDatabaseError(db);
	const backup = reference ? await db.backup?.() : undefined;
	let imported = false;
	await db.transaction(async (tx) => {
		let version = await schemaVersion(tx);
		const fromReference = version === 0 && (await isReferenceDatabase(tx));
		if (fromReference && !options.foreign) throw foreignDatabaseError(db);
		const session = fromReference ? await readReference(tx, db) : undefined;
		while (version < SCHEMA_VERSION) {
			for (const statement of MIGRATIONS[version] ?? []) await tx.run(statement);
			version++;
		}
		if (fromReference) {
			if (session) await writeImported(tx, session);
			for (const t of REFERENCE_TABLES) await tx.run(`DROP TABLE IF EXISTS ${t}`);
			imported = true;
		}
		await tx.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
	});
	return { from, to: SCHEMA_VERSION, ...(imported ? { importedReference: { backup } } : {}) };
}
