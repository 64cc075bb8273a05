import { SessionBackendError, UnsupportedVersionError } from "../errors.js";
import { SecretBytes } from "../secret.js";
import { emptySession } from "../session.js";
import type { CachedPeer, PersistedSession } from "../types.js";
import type { SqlDriver, SqlExecutor, SqlRow } from "./driver.js";
import {
	authKeyOf,
	CHANNEL_KINDS,
	dcParams,
	minPeerFromRow,
	peerParams,
	RowReader,
} from "./rows.js";
import { MIGRATIONS, POSTGRES_MIGRATIONS, SCHEMA_VERSION } from "./schema.js";

/** The reference's tables (ferogram / layer SqliteBackend and LibSqlBackend), spec §6.4. */
const REFERENCE_TABLES = [
	"meta",
	"dcs",
	"update_state",
	"channel_pts",
	"peers",
	"min_peers",
] as const;

/** What {@link migrate} did. */
export interface MigrationResult {
	from: number;
	to: number;
	/** Set when a ferogram/layer database was imported (as session `"default"`). */
	importedReference?: { backup: string | undefined };
}

async function userVersion(db: SqlExecutor, postgres = false): Promise<number> {
	if (postgres) {
		// a plain catalog query (not to_regclass, whose cache can miss a table another session
		// just committed): its snapshot sees what was committed while we waited for the lock
		const [t] = await db.all(
			"SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'xs_schema') AS present",
		);
		if (!t?.present) return 0;
		const [row] = await db.all("SELECT max(version) AS version FROM xs_schema");
		return Number(row?.version ?? 0);
	}
	const [row] = await db.all("PRAGMA user_version");
	return Number(row?.user_version ?? 0);
}

/** PostgreSQL: schema steps under a transaction-scoped advisory lock, version in xs_schema. */
async function migratePostgres(db: SqlDriver, from: number): Promise<MigrationResult> {
	await db.transaction(async (tx) => {
		await tx.all("SELECT pg_advisory_xact_lock(7358426194) AS locked");
		let version = await userVersion(tx, true);
		while (version < SCHEMA_VERSION) {
			for (const statement of POSTGRES_MIGRATIONS[version] ?? []) await tx.run(statement);
			version++;
			await tx.run("DELETE FROM xs_schema");
			await tx.run("INSERT INTO xs_schema (version) VALUES (?)", [version]);
		}
	});
	return { from, to: SCHEMA_VERSION };
}

async function tableNames(db: SqlExecutor): Promise<Set<string>> {
	const rows = await db.all("SELECT name FROM sqlite_master WHERE type = 'table'");
	return new Set(rows.map((r) => String(r.name)));
}

/** True when the database holds the reference's schema and none of ours. */
async function isReferenceDatabase(db: SqlExecutor): Promise<boolean> {
	const tables = await tableNames(db);
	return (
		!tables.has("xs_sessions") && tables.has("meta") && tables.has("dcs") && tables.has("peers")
	);
}

/** What a read-only open finds, found without writing anything. */
export type SchemaState =
	/** Our tables at a version this code reads. */
	| { kind: "ours"; version: number }
	/** No tables of ours and not a ferogram/layer database: no session there. */
	| { kind: "none" }
	/** A ferogram/layer database, read in memory (`undefined`: opened by it, never saved). */
	| { kind: "reference"; session: PersistedSession | undefined };

/**
 * The database as it is, for a read-only open: nothing is migrated or created. A schema older
 * than {@link SCHEMA_VERSION} (which the current queries cannot read) and a newer one are errors;
 * a ferogram/layer database is read through the import's own reader, in memory.
 */
export async function readSchema(db: SqlDriver): Promise<SchemaState> {
	const postgres = db.dialect === "postgres";
	const version = await userVersion(db, postgres);
	if (version > SCHEMA_VERSION)
		throw new UnsupportedVersionError(
			version,
			`${db.location} has schema version ${version}; this version of x-session reads up to ${SCHEMA_VERSION}`,
			{ backend: db.name },
		);
	if (version === SCHEMA_VERSION) return { kind: "ours", version };
	if (version === 0 && !postgres && (await isReferenceDatabase(db)))
		return { kind: "reference", session: await readReference(db, db) };
	if (version === 0 && (postgres || !(await tableNames(db)).has("xs_sessions")))
		return { kind: "none" };
	throw new UnsupportedVersionError(
		version,
		`${db.location} has schema version ${version}, which a read-only open cannot read; open it once for writing (x-session migrate) to migrate it to ${SCHEMA_VERSION}`,
		{ backend: db.name },
	);
}

/** The error of a ferogram/layer database opened for writing without `migrateForeign`. */
export function foreignDatabaseError(db: SqlDriver): SessionBackendError {
	return new SessionBackendError(
		"UNSUPPORTED",
		`${db.location} is a ferogram/layer database: importing it rewrites it in place (a backup is kept) and the Rust client can no longer use the file; open it with migrateForeign: true to import it (x-session migrate), or readOnly: true to read it unchanged`,
		{ backend: db.name },
	);
}

/**
 * Brings the schema to {@link SCHEMA_VERSION}: each step in one write transaction that re-reads
 * the version first, so two processes opening a fresh database at once migrate it once. A
 * ferogram/layer database is imported only with `foreign` (else {@link foreignDatabaseError},
 * nothing changed): first copied aside (driver `backup()`, 0600), then imported into our tables
 * as session `"default"` and its tables dropped, in the same transaction as the schema.
 */
export async function migrate(
	db: SqlDriver,
	options: { foreign?: boolean } = {},
): Promise<MigrationResult> {
	const postgres = db.dialect === "postgres";
	const from = await userVersion(db, postgres);
	if (from > SCHEMA_VERSION) {
		throw new UnsupportedVersionError(
			from,
			`${db.location} has schema version ${from}; this version of x-session reads up to ${SCHEMA_VERSION}`,
			{ backend: db.name },
		);
	}
	if (from === SCHEMA_VERSION) return { from, to: from };
	if (postgres) return migratePostgres(db, from);
	const reference = from === 0 && (await isReferenceDatabase(db));
	if (reference && !options.foreign) throw foreignDatabaseError(db);
	const backup = reference ? await db.backup?.() : undefined;
	let imported = false;
	await db.transaction(async (tx) => {
		let version = await userVersion(tx);
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

async function columns(db: SqlExecutor, table: string): Promise<Set<string>> {
	const rows = await db.all(`PRAGMA table_info(${table})`);
	return new Set(rows.map((r) => String(r.name)));
}

/**
 * Reads a reference database, legacy shapes included (layer's without `is_chat`, `channel_kind`,
 * `is_community` or `min_peers`). Unlike the reference, nothing it cannot read is dropped: a bad
 * row is a `CorruptSessionError` and the database is left as it was.
 */
async function readReference(
	db: SqlExecutor,
	driver: SqlDriver,
): Promise<PersistedSession | undefined> {
	const r = new RowReader(driver.name, `${driver.location} (ferogram database)`);
	const tables = await tableNames(db);
	const s = emptySession();
	const meta = await db.all("SELECT key, value FROM meta");
	// the reference's load() returns None while `meta` is empty (opened, never saved): no session
	if (meta.length === 0) return undefined;
	for (const row of meta) {
		if (row.key === "home_dc_id" && row.value !== null) s.homeDcId = r.i32(row, "value");
		if (row.key === "future_auth_token") {
			const token = r.blob(row, "value");
			s.futureAuthToken = token && token.length > 0 ? new SecretBytes(token) : null;
		}
	}
	for (const row of await db.all("SELECT * FROM dcs")) {
		const dcId = r.i32(row, "dc_id");
		s.dcs.push({
			dcId,
			addr: r.text(row, "addr"),
			authKey: authKeyOf(r, row, dcId),
			firstSalt: r.i64(row, "first_salt"),
			timeOffset: r.i32(row, "time_offset"),
			flags: r.byte(row, "flags"),
		});
	}
	if (tables.has("update_state")) {
		const [st] = await db.all("SELECT pts, qts, date, seq FROM update_state WHERE id = 1");
		if (st)
			Object.assign(s.updatesState, {
				pts: r.i32(st, "pts"),
				qts: r.i32(st, "qts"),
				date: r.i32(st, "date"),
				seq: r.i32(st, "seq"),
			});
	}
	if (tables.has("channel_pts"))
		for (const row of await db.all("SELECT channel_id, pts FROM channel_pts"))
			s.updatesState.channels.push({ channelId: r.i64(row, "channel_id"), pts: r.i32(row, "pts") });
	const have = await columns(db, "peers");
	for (const row of await db.all("SELECT * FROM peers")) s.peers.push(referencePeer(r, row, have));
	if (tables.has("min_peers"))
		for (const row of await db.all("SELECT * FROM min_peers"))
			s.minPeers.push(minPeerFromRow(r, row));
	return s;
}

function referencePeer(r: RowReader, row: SqlRow, have: Set<string>): CachedPeer {
	const flag = (c: string) =>
		have.has(c) && row[c] !== null && row[c] !== undefined && r.i64(row, c) !== 0n;
	const kind = flag("is_community")
		? "community"
		: flag("is_chat")
			? "chat"
			: flag("is_channel")
				? "channel"
				: "user";
	let channelKind: CachedPeer["channelKind"] = null;
	if (have.has("channel_kind") && row.channel_kind !== null) {
		const k = CHANNEL_KINDS[r.byte(row, "channel_kind")];
		if (k === undefined) throw r.corrupt(`unknown channel_kind ${String(row.channel_kind)}`);
		channelKind = k;
	}
	return { kind, id: r.i64(row, "id"), accessHash: r.i64(row, "access_hash"), channelKind };
}

async function writeImported(tx: SqlExecutor, s: PersistedSession): Promise<void> {
	const id = "default";
	await tx.run(
		"INSERT INTO xs_sessions (session_id, home_dc_id, pts, qts, date, seq, future_auth_token) VALUES (?, ?, ?, ?, ?, ?, ?)",
		[
			id,
			s.homeDcId,
			s.updatesState.pts,
			s.updatesState.qts,
			s.updatesState.date,
			s.updatesState.seq,
			s.futureAuthToken?.expose() ?? null,
		],
	);
	for (const dc of s.dcs)
		await tx.run(
			`INSERT INTO xs_dcs (session_id, dc_id, slot, flags, addr, auth_key, first_salt, time_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, dc_id, slot) DO UPDATE SET flags = excluded.flags, addr = excluded.addr,
				auth_key = excluded.auth_key, first_salt = excluded.first_salt, time_offset = excluded.time_offset`,
			dcParams(id, dc),
		);
	for (const c of s.updatesState.channels)
		await tx.run(
			"INSERT OR REPLACE INTO xs_channel_pts (session_id, channel_id, pts) VALUES (?, ?, ?)",
			[id, c.channelId, c.pts],
		);
	for (const p of s.peers)
		await tx.run(
			"INSERT OR REPLACE INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES (?, ?, ?, ?, ?)",
			peerParams(id, p),
		);
	for (const m of s.minPeers)
		await tx.run(
			"INSERT OR REPLACE INTO xs_min_peers (session_id, user_id, peer_id, msg_id) VALUES (?, ?, ?, ?)",
			[id, m.userId, m.peerId, m.msgId],
		);
}
