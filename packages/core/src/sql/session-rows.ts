import { SecretBytes } from "../secret.js";
import type { CachedPeer, PersistedSession } from "../types.js";
import type { Dialect } from "./dialect.js";
import type { SqlExecutor } from "./driver.js";
import { insertExtensions, readExtensions } from "./extension-values.js";
import { settleBatch } from "./peer-batch.js";
import { peerWithMetaFromRow, peerWithMetaFromValues } from "./peer-meta.js";
import { mergedBatch } from "./peers.js";
import {
	dcFromRow,
	dcParams,
	minPeerFromRow,
	peerFromRow,
	peerFromValues,
	peersFromValues,
	type RowReader,
} from "./rows.js";
import { DATA_TABLES } from "./schema.js";
import { UPSERT_CHANNEL } from "./state.js";

// A whole session to and from its rows (load, full save), and a batch of peers with their
// metadata (cachePeers, applyChanges), in any dialect.

export const UPSERT_DC = `INSERT INTO xs_dcs (session_id, dc_id, slot, flags, addr, auth_key, first_salt, time_offset)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id, dc_id, slot) DO UPDATE SET flags = excluded.flags, addr = excluded.addr,
		auth_key = excluded.auth_key, first_salt = excluded.first_salt, time_offset = excluded.time_offset`;
export const UPSERT_MIN_PEER = `INSERT INTO xs_min_peers (session_id, user_id, peer_id, msg_id) VALUES (?, ?, ?, ?)
	ON CONFLICT (session_id, user_id) DO UPDATE SET peer_id = excluded.peer_id, msg_id = excluded.msg_id`;
const INSERT_SESSION =
	"INSERT INTO xs_sessions (session_id, home_dc_id, pts, qts, date, seq, future_auth_token) VALUES (?, ?, ?, ?, ?, ?, ?)";

/** Deletes every row of session `id` but its lease. */
export async function deleteSessionRows(tx: SqlExecutor, id: string): Promise<void> {
	for (const table of DATA_TABLES) await tx.run(`DELETE FROM ${table} WHERE session_id = ?`, [id]);
}

/**
 * Session `id` as stored, or `null` when there is none. `withPeers: false` leaves the peer rows
 * and their metadata unread (`peers: []`): a start that costs the same at any number of peers.
 */
export async function readSession(
	db: SqlExecutor,
	id: string,
	r: RowReader,
	withPeers = true,
): Promise<PersistedSession | null> {
	const [head] = await db.all("SELECT * FROM xs_sessions WHERE session_id = ?", [id]);
	if (!head) return null;
	const token = r.blob(head, "future_auth_token");
	const [dcs, channels, minPeers, extensions, peers] = await Promise.all([
		db.all("SELECT * FROM xs_dcs WHERE session_id = ?", [id]),
		db.all("SELECT * FROM xs_channel_pts WHERE session_id = ?", [id]),
		db.all("SELECT * FROM xs_min_peers WHERE session_id = ?", [id]),
		readExtensions(db, id, r),
		withPeers ? readPeers(db, id, r) : [],
	]);
	const session: PersistedSession = {
		homeDcId: r.i32(head, "home_dc_id"),
		dcs: dcs.map((row) => dcFromRow(r, row)),
		updatesState: {
			pts: r.i32(head, "pts"),
			qts: r.i32(head, "qts"),
			date: r.i32(head, "date"),
			seq: r.i32(head, "seq"),
			channels: channels.map((row) => ({
				channelId: r.i64(row, "channel_id"),
				pts: r.i32(row, "pts"),
			})),
		},
		peers,
		minPeers: minPeers.map((row) => minPeerFromRow(r, row)),
		futureAuthToken: token && new SecretBytes(token),
	};
	if (extensions.size > 0) session.extensions = extensions;
	return session;
}

/** The peer columns alone: no session id per row (a string the driver would build 1M times). */
const SELECT_PEERS =
	"SELECT kind, id, access_hash, channel_kind FROM xs_peers WHERE session_id = ?";
const ANY_META = "SELECT 1 AS one FROM xs_peer_meta WHERE session_id = ? LIMIT 1";
/** Each peer with its metadata in one pass (the columns `peerWithMetaFrom…` read, in order). */
const SELECT_PEERS_WITH_META = `SELECT p.kind, p.id, p.access_hash, p.channel_kind, m.kind AS has_meta,
		m.phone, m.name, m.updated_at, m.is_min, m.data, m.usernames
	FROM xs_peers p LEFT JOIN xs_peer_meta m ON m.session_id = p.session_id AND m.kind = p.kind AND m.id = p.id
	WHERE p.session_id = ?`;

/**
 * Every cached peer of session `id`, each with its metadata: joined in the query when the session
 * has any (no map of string keys to build and search), else the peer rows alone. Rows come as
 * arrays of values when the driver offers `allValues`: no object per row to build and collect.
 */
async function readPeers(db: SqlExecutor, id: string, r: RowReader): Promise<CachedPeer[]> {
	const [withMeta] = await db.all(ANY_META, [id]);
	const sql = withMeta ? SELECT_PEERS_WITH_META : SELECT_PEERS;
	if (db.allValues)
		return peersFromValues(
			r,
			await db.allValues(sql, [id]),
			withMeta ? peerWithMetaFromValues : peerFromValues,
		);
	const rows = await db.all(sql, [id]);
	return withMeta
		? rows.map((row) => peerWithMetaFromRow(r, row))
		: rows.map((row) => peerFromRow(r, row));
}

/** Replaces session `id`'s rows with `s` (normalized), inside the caller's transaction. */
export async function writeSession(
	tx: SqlExecutor,
	dialect: Dialect,
	id: string,
	s: PersistedSession,
	r: RowReader,
): Promise<void> {
	await deleteSessionRows(tx, id);
	const st = s.updatesState;
	const token = s.futureAuthToken ? s.futureAuthToken.expose() : null;
	await tx.run(INSERT_SESSION, [id, s.homeDcId, st.pts, st.qts, st.date, st.seq, token]);
	for (const dc of s.dcs) await tx.run(UPSERT_DC, dcParams(id, dc));
	for (const c of st.channels) await tx.run(UPSERT_CHANNEL, [id, c.channelId, c.pts]);
	await dialect.insertPeers(tx, id, s.peers);
	await writePeerMeta(tx, dialect, id, s.peers, true, r);
	if (s.extensions) await insertExtensions(tx, id, s.extensions);
	for (const m of s.minPeers) await tx.run(UPSERT_MIN_PEER, [id, m.userId, m.peerId, m.msgId]);
}

/** Upserts prepared peers and their metadata, inside the caller's transaction. */
export async function writePeers(
	tx: SqlExecutor,
	dialect: Dialect,
	id: string,
	peers: readonly CachedPeer[],
	r: RowReader,
): Promise<void> {
	const list = mergedBatch(peers);
	await dialect.upsertPeers(tx, id, list);
	// the same list back: no peer repeats, which spares the metadata its own search for repeats
	await writePeerMeta(tx, dialect, id, peers, false, r, list === peers);
}

/** The metadata of the peers that carry some (`distinct`: no `(kind, id)` repeats in `peers`). */
async function writePeerMeta(
	tx: SqlExecutor,
	dialect: Dialect,
	sessionId: string,
	peers: readonly CachedPeer[],
	fresh: boolean,
	rows: RowReader,
	distinct = false,
): Promise<void> {
	const batch = settleBatch(peers, distinct);
	if (batch.final.length === 0) return;
	await dialect.writePeerMeta(tx, { sessionId, batch, fresh, rows });
}
