import type { CachedPeer, PeerKind, PeerMeta } from "../types.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./driver.js";
import { PEER_KINDS, peerFromRow, peerOf, type RowReader } from "./rows.js";

// Peer metadata in the SQL backends: xs_peer_meta (one row per peer that has metadata) and
// xs_usernames (one row per username, the lookup index; a username's primary key is what makes
// it belong to one peer at a time). xs_peer_meta.usernames repeats a peer's usernames,
// newline-joined, so reading a peer needs no second query; every write that moves a username
// rewrites it for the peers involved. What every dialect reads and writes alike is here; how a
// batch is written is the dialect's (`Dialect.writePeerMeta`).

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The lookups a backend answers by index, never by reading the whole session. */
export type PeerLookup = "peer" | "byUsername" | "byPhone";

/** The columns of a peer with its metadata; `has_meta` is null when it has none. */
const PEER_SELECT = `SELECT p.kind, p.id, p.access_hash, p.channel_kind, m.kind AS has_meta, m.phone, m.name,
		m.updated_at, m.is_min, m.data, m.usernames
		FROM xs_peers p LEFT JOIN xs_peer_meta m
			ON m.session_id = p.session_id AND m.kind = p.kind AND m.id = p.id`;

/**
 * The lookup statements, for a dialect to build once (the statement cache is keyed by their
 * text). `phoneIndexHint` follows `FROM xs_peer_meta m` in the phone lookup (SQLite names its
 * index there). Parameters: `peer` (session id, kind, id), `byUsername` (session id, username),
 * `byPhone` (session id, digits), normalized.
 */
export function lookupStatements(phoneIndexHint = ""): Readonly<Record<PeerLookup, string>> {
	return {
		peer: `${PEER_SELECT} WHERE p.session_id = ? AND p.kind = ? AND p.id = ?`,
		byUsername: `${PEER_SELECT} JOIN xs_usernames x
				ON x.session_id = p.session_id AND x.kind = p.kind AND x.id = p.id
			WHERE x.session_id = ? AND x.username = ?`,
		byPhone: `${PEER_SELECT.replace("FROM xs_peers p LEFT JOIN xs_peer_meta m", `FROM xs_peer_meta m${phoneIndexHint} JOIN xs_peers p`)}
			WHERE m.session_id = ? AND m.phone = ? LIMIT 1`,
	};
}

/** A peer row of a lookup statement in model form. */
export function peerWithMetaFromRow(r: RowReader, row: SqlRow): CachedPeer {
	const peer = peerFromRow(r, row);
	if (row.has_meta !== null && row.has_meta !== undefined) peer.meta = metaFromRow(r, row);
	return peer;
}

/**
 * A peer row of a lookup statement in model form, from the values of its columns in order (a
 * driver's raw row: no object by column name), checked as {@link peerWithMetaFromRow} checks.
 */
export function peerWithMetaFromValues(r: RowReader, v: readonly SqlValue[]): CachedPeer {
	const peer = peerOf(r, v[0], v[1], v[2], v[3]);
	if (v[4] !== null && v[4] !== undefined)
		peer.meta = metaOf(r, v[10], v[5], v[6], v[7], v[8], v[9]);
	return peer;
}

/** Metadata from an `xs_peer_meta` row. */
export function metaFromRow(r: RowReader, row: SqlRow): PeerMeta {
	return metaOf(r, row.usernames, row.phone, row.name, row.updated_at, row.is_min, row.data);
}

/** Metadata from the values of its columns. */
function metaOf(
	r: RowReader,
	usernames: SqlValue | undefined,
	phone: SqlValue | undefined,
	name: SqlValue | undefined,
	updatedAtValue: SqlValue | undefined,
	isMin: SqlValue | undefined,
	dataValue: SqlValue | undefined,
): PeerMeta {
	const joined = usernames === null ? null : r.textOf(usernames, "usernames");
	const updatedAt = r.i64Of(updatedAtValue, "updated_at");
	if (updatedAt < 0n || updatedAt > MAX_SAFE)
		throw r.corrupt(`column updated_at holds an invalid value (${updatedAt})`);
	const data = r.blobOf(dataValue, "data");
	return {
		usernames: joined ? splitUsernames(joined) : [],
		phone: phone === null ? null : r.textOf(phone, "phone"),
		name: name === null ? null : r.textOf(name, "name"),
		updatedAt: Number(updatedAt),
		isMin: r.i64Of(isMin, "is_min") !== 0n,
		data: data && new Uint8Array(data),
	};
}

/**
 * A `usernames` column as a sorted list (as `split` then `sort` would give it), without the
 * split and the generic sort for the usual one or two names.
 */
function splitUsernames(joined: string): string[] {
	const i = joined.indexOf("\n");
	if (i < 0) return [joined];
	if (joined.indexOf("\n", i + 1) < 0) {
		const a = joined.slice(0, i);
		const b = joined.slice(i + 1);
		return b < a ? [b, a] : [a, b];
	}
	return joined.split("\n").sort(byCodeUnits);
}

/** The order of the default `sort` for strings: by UTF-16 code units. */
function byCodeUnits(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Every metadata row and username of a session, keyed `kind:id`. */
export async function readPeerMeta(
	db: SqlExecutor,
	sessionId: string,
	r: RowReader,
): Promise<Map<string, PeerMeta>> {
	const rows = await db.all("SELECT * FROM xs_peer_meta WHERE session_id = ?", [sessionId]);
	return new Map(rows.map((row) => [keyOf(r, row), metaFromRow(r, row)]));
}

export function keyOf(r: RowReader, row: SqlRow): string {
	const kind = PEER_KINDS[r.byte(row, "kind")];
	if (!kind) throw r.corrupt(`unknown peer kind ${String(row.kind)}`);
	return `${kind}:${r.i64(row, "id")}`;
}

/** Peers (kind and id only, once each) of `rows` that are not in the batch (`kind:id` keys). */
export function rowsOutside(
	r: RowReader,
	rows: SqlRow[],
	inBatch: ReadonlySet<string>,
): CachedPeer[] {
	const out: CachedPeer[] = [];
	const seen = new Set<string>();
	for (const row of rows) {
		const key = keyOf(r, row);
		if (inBatch.has(key) || seen.has(key)) continue;
		seen.add(key);
		const [kind, id] = key.split(":") as [PeerKind, string];
		out.push({ kind, id: BigInt(id), accessHash: 0n, channelKind: null });
	}
	return out;
}

/** The `usernames` column: newline-joined, `null` when there are none. */
export function joinedUsernames(m: PeerMeta): string | null {
	const n = m.usernames.length;
	return n === 0 ? null : n === 1 ? (m.usernames[0] as string) : m.usernames.join("\n");
}

/** The upsert clause of an `xs_peer_meta` row (after its `INSERT … VALUES` or `SELECT`). */
export const META_CONFLICT = `ON CONFLICT (session_id, kind, id) DO UPDATE SET phone = excluded.phone,
	name = excluded.name, updated_at = excluded.updated_at, is_min = excluded.is_min, data = excluded.data,
	usernames = excluded.usernames`;
