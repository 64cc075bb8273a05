import { SessionBackendError } from "../../errors.js";
import { SecretBytes } from "../../secret.js";
import { emptySession } from "../../session.js";
import type { CachedPeer, PersistedSession } from "../../types.js";
import type { SqlDriver, SqlExecutor, SqlRow } from "../driver.js";
import {
	authKeyOf,
	CHANNEL_KINDS,
	dcParams,
	minPeerFromRow,
	peerParams,
	RowReader,
} from "../rows.js";

// The tables of the Rust reference client (ferogram / layer SqliteBackend and LibSqlBackend):
// `meta` (key → value), `dcs`, `update_state` (one row), `channel_pts`, `peers` (flags
// `is_channel`, `is_chat`, `is_community`, `channel_kind`) and `min_peers`. Older (layer-era)
// databases lack `is_chat`, `channel_kind`, `is_community` and `min_peers`.

/** The reference's tables, dropped once imported. */
export const REFERENCE_TABLES = [
	"meta",
	"dcs",
	"update_state",
	"channel_pts",
	"peers",
	"min_peers",
] as const;

export async function tableNames(db: SqlExecutor): Promise<Set<string>> {
	const rows = await db.all("SELECT name FROM sqlite_master WHERE type = 'table'");
	return new Set(rows.map((r) => String(r.name)));
}

/** True when the database holds the reference's schema and none of ours. */
export async function isReferenceDatabase(db: SqlExecutor): Promise<boolean> {
	const tables = await tableNames(db);
	return (
		!tables.has("xs_sessions") && tables.has("meta") && tables.has("dcs") && tables.has("peers")
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

async function columns(db: SqlExecutor, table: string): Promise<Set<string>> {
	const rows = await db.all(`PRAGMA table_info(${table})`);
	return new Set(rows.map((r) => String(r.name)));
}

/**
 * Reads a reference database, legacy shapes included (layer's without `is_chat`, `channel_kind`,
 * `is_community` or `min_peers`). Unlike the reference, nothing it cannot read is dropped: a bad
 * row is a `CorruptSessionError` and the database is left as it was.
 */
export async function readReference(
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

export async function writeImported(tx: SqlExecutor, s: PersistedSession): Promise<void> {
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
