import {
	type MigrationResult,
	SCHEMA_VERSION,
	type SqlDriver,
	type SqlExecutor,
} from "@x/session-core/sql";

/**
 * The schema in PostgreSQL (the SQLite family's, in `@x/session-core/sql`, with PostgreSQL types): 64-bit columns are BIGINT (int8), bytes BYTEA, and the
 * version lives in `xs_schema` (PostgreSQL has no `user_version`). Same versions, same steps,
 * except that version 4 drops an index on the SQLite family only.
 */
export const POSTGRES_MIGRATIONS: readonly (readonly string[])[] = [
	[
		"CREATE TABLE IF NOT EXISTS xs_schema (version INTEGER NOT NULL)",
		`CREATE TABLE xs_sessions (
			session_id TEXT PRIMARY KEY,
			home_dc_id INTEGER NOT NULL DEFAULT 0,
			pts INTEGER NOT NULL DEFAULT 0,
			qts INTEGER NOT NULL DEFAULT 0,
			date INTEGER NOT NULL DEFAULT 0,
			seq INTEGER NOT NULL DEFAULT 0,
			future_auth_token BYTEA
		)`,
		`CREATE TABLE xs_dcs (
			session_id TEXT NOT NULL,
			dc_id INTEGER NOT NULL,
			slot SMALLINT NOT NULL,
			flags SMALLINT NOT NULL,
			addr TEXT NOT NULL,
			auth_key BYTEA,
			first_salt BIGINT NOT NULL,
			time_offset INTEGER NOT NULL,
			PRIMARY KEY (session_id, dc_id, slot)
		)`,
		`CREATE TABLE xs_channel_pts (
			session_id TEXT NOT NULL,
			channel_id BIGINT NOT NULL,
			pts INTEGER NOT NULL,
			PRIMARY KEY (session_id, channel_id)
		)`,
		`CREATE TABLE xs_peers (
			session_id TEXT NOT NULL,
			kind SMALLINT NOT NULL,
			id BIGINT NOT NULL,
			access_hash BIGINT NOT NULL,
			channel_kind SMALLINT,
			PRIMARY KEY (session_id, kind, id)
		)`,
		`CREATE TABLE xs_min_peers (
			session_id TEXT NOT NULL,
			user_id BIGINT NOT NULL,
			peer_id BIGINT NOT NULL,
			msg_id INTEGER NOT NULL,
			PRIMARY KEY (session_id, user_id)
		)`,
	],
	[
		`CREATE TABLE xs_leases (
			session_id TEXT PRIMARY KEY,
			owner TEXT NOT NULL,
			pid INTEGER,
			host TEXT,
			expires_at BIGINT NOT NULL
		)`,
	],
	[
		`CREATE TABLE xs_extensions (
			session_id TEXT NOT NULL,
			key TEXT NOT NULL,
			value BYTEA NOT NULL,
			PRIMARY KEY (session_id, key)
		)`,
		`CREATE TABLE xs_peer_meta (
			session_id TEXT NOT NULL,
			kind SMALLINT NOT NULL,
			id BIGINT NOT NULL,
			phone TEXT,
			name TEXT,
			updated_at BIGINT NOT NULL,
			is_min SMALLINT NOT NULL,
			data BYTEA,
			usernames TEXT,
			PRIMARY KEY (session_id, kind, id)
		)`,
		"CREATE INDEX xs_peer_meta_phone ON xs_peer_meta (session_id, phone)",
		`CREATE TABLE xs_usernames (
			session_id TEXT NOT NULL,
			username TEXT NOT NULL,
			kind SMALLINT NOT NULL,
			id BIGINT NOT NULL,
			PRIMARY KEY (session_id, username)
		)`,
		"CREATE INDEX xs_usernames_peer ON xs_usernames (session_id, kind, id)",
	],
	// PostgreSQL keeps the by-peer index: its batches delete a peer's usernames through it
	[],
];

/** The version in `xs_schema`; 0 when the table is not there. */
export async function schemaVersion(db: SqlExecutor): Promise<number> {
	// a plain catalog query (not to_regclass, whose cache can miss a table another session
	// just committed): its snapshot sees what was committed while we waited for the lock
	const [t] = await db.all(
		"SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'xs_schema') AS present",
	);
	if (!t?.present) return 0;
	const [row] = await db.all("SELECT max(version) AS version FROM xs_schema");
	return Number(row?.version ?? 0);
}

/**
 * Schema steps in one transaction under a transaction-scoped advisory lock (PostgreSQL runs
 * transactions side by side: two processes migrating a fresh schema at once would both create
 * the tables), re-reading the version once the lock is held.
 */
export async function upgrade(db: SqlDriver, from: number): Promise<MigrationResult> {
	await db.transaction(async (tx) => {
		await tx.all("SELECT pg_advisory_xact_lock(7358426194) AS locked");
		let version = await schemaVersion(tx);
		while (version < SCHEMA_VERSION) {
			for (const statement of POSTGRES_MIGRATIONS[version] ?? []) await tx.run(statement);
			version++;
			await tx.run("DELETE FROM xs_schema");
			await tx.run("INSERT INTO xs_schema (version) VALUES (?)", [version]);
		}
	});
	return { from, to: SCHEMA_VERSION };
}
