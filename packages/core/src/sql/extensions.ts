import { IdentifierOwners, peerMetaEqual } from "../extensions.js";
import { SecretBytes } from "../secret.js";
import type { CachedPeer, PeerKind, PeerMeta } from "../types.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./driver.js";
import { PEER_KINDS, peerFromRow, peerOf, type RowReader } from "./rows.js";
import { rowsSql } from "./util.js";

// Client metadata in the SQL backends: xs_extensions (key → bytes), xs_peer_meta (one row per
// peer that has metadata) and xs_usernames (one row per username, the lookup index; a username's
// primary key is what makes it belong to one peer at a time). xs_peer_meta.usernames repeats a
// peer's usernames, newline-joined, so reading a peer needs no second query; every write that
// moves a username rewrites it for the peers involved. Batches are written a chunk of rows
// per statement; callers run everything here inside the transaction that writes the peers.

const ROWS_PER_STATEMENT = 500;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export type Dialect = "sqlite" | "postgres";

/**
 * SQLite's planner, without statistics, prefers the primary key's `session_id` prefix to the
 * phone index (a scan of the whole session); naming the index keeps phone lookups O(log n).
 */
function phoneIndex(dialect: Dialect): string {
	return dialect === "sqlite" ? " INDEXED BY xs_peer_meta_phone" : "";
}

/**
 * PostgreSQL: the newline-joined usernames of an xs_peer_meta row, from the index (after a change;
 * SQLite computes the list instead, as it has no by-peer index).
 */
const AGGREGATED_USERNAMES = `(SELECT string_agg(u.username, E'\\n') FROM xs_usernames u WHERE u.session_id = xs_peer_meta.session_id AND u.kind = xs_peer_meta.kind AND u.id = xs_peer_meta.id)`;

/** The columns of a peer with its metadata; `has_meta` is null when it has none. */
function peerSelect(): string {
	return `SELECT p.kind, p.id, p.access_hash, p.channel_kind, m.kind AS has_meta, m.phone, m.name,
		m.updated_at, m.is_min, m.data, m.usernames
		FROM xs_peers p LEFT JOIN xs_peer_meta m
			ON m.session_id = p.session_id AND m.kind = p.kind AND m.id = p.id`;
}

/** A peer row of {@link peerSelect} in model form. */
export function peerWithMetaFromRow(r: RowReader, row: SqlRow): CachedPeer {
	const peer = peerFromRow(r, row);
	if (row.has_meta !== null && row.has_meta !== undefined) peer.meta = metaFromRow(r, row);
	return peer;
}

/**
 * A peer row of {@link peerSelect} in model form, from the values of its columns in order (a
 * driver's raw row: no object by column name), checked as {@link peerWithMetaFromRow} checks.
 */
export function peerWithMetaFromValues(r: RowReader, v: readonly SqlValue[]): CachedPeer {
	const peer = peerOf(r, v[0], v[1], v[2], v[3]);
	if (v[4] !== null && v[4] !== undefined)
		peer.meta = metaOf(r, v[10], v[5], v[6], v[7], v[8], v[9]);
	return peer;
}

function metaFromRow(r: RowReader, row: SqlRow): PeerMeta {
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

function keyOf(r: RowReader, row: SqlRow): string {
	const kind = PEER_KINDS[r.byte(row, "kind")];
	if (!kind) throw r.corrupt(`unknown peer kind ${String(row.kind)}`);
	return `${kind}:${r.i64(row, "id")}`;
}

/** Every extension value of a session. */
export async function readExtensions(
	db: SqlExecutor,
	sessionId: string,
	r: RowReader,
): Promise<Map<string, SecretBytes>> {
	const rows = await db.all("SELECT key, value FROM xs_extensions WHERE session_id = ?", [
		sessionId,
	]);
	return new Map(
		rows.map((row) => [
			r.text(row, "key"),
			new SecretBytes(r.blob(row, "value") ?? new Uint8Array()),
		]),
	);
}

/**
 * Writes the metadata of the peers that carry some (their `xs_peers` rows are written by the
 * caller in the same transaction), with the meaning of caching them one by one: each username or
 * phone the batch claims is first taken from whoever held it, then given to its final owner in
 * the batch. `fresh` skips the removals when the session's rows were just deleted (a full save);
 * `distinct` says no `(kind, id)` appears twice in `peers`.
 */
export async function writePeerMeta(
	tx: SqlExecutor,
	sessionId: string,
	peers: readonly CachedPeer[],
	dialect: Dialect,
	fresh: boolean,
	r: RowReader,
	distinct = false,
): Promise<void> {
	const batch = settleBatch(peers, distinct);
	if (batch.final.length === 0) return;
	if (dialect === "postgres")
		await writeMetaArrays(tx, sessionId, batch, claimedBy(peers), fresh, r);
	else await writeMetaRows(tx, sessionId, batch, fresh, r);
}

/**
 * SQLite: reads the stored metadata of the batch's peers first (one statement per chunk), then
 * writes only what changed: a peer whose metadata is stored as given is skipped, and only the
 * usernames and phones that change hands are moved (each taken from whoever held it, whose inline
 * list is then rewritten; a batch plays in order, so a name claimed on the way is taken too).
 * Multi-row statements, a chunk each.
 *
 * A username new to its peer is first inserted where no row holds it (`ON CONFLICT DO NOTHING`:
 * for fresh names, the usual case, one B-tree operation). Only the names that conflicted, and
 * those the batch's peers release or claim on the way without keeping, are then deleted (their
 * holders outside the batch lose them), and the conflicted ones inserted after every deletion.
 * No removal deletes a row this batch wrote: the names deleted are held by no final peer, or
 * conflicted (so were not inserted); a phone is cleared from other rows before its new holder's
 * row is written.
 */
async function writeMetaRows(
	tx: SqlExecutor,
	sessionId: string,
	batch: SettledBatch,
	fresh: boolean,
	r: RowReader,
): Promise<void> {
	const { final, owners } = batch;
	const stored = fresh ? undefined : await storedMeta(tx, sessionId, batch, r);
	const changed: CachedPeer[] = [];
	// usernames new to their peer, with the peer
	const claims: string[] = [];
	const claimants: CachedPeer[] = [];
	// usernames held by no final peer whose old row must go: released by a changed peer or
	// claimed on the way; phones held by another row before: cleared there
	const gone = new Set<string>(batch.releasedUsernames);
	const moved: string[] = [...batch.releasedPhones];
	for (let i = 0; i < final.length; i++) {
		const p = final[i] as CachedPeer;
		const meta = p.meta as PeerMeta;
		const before = stored?.[i];
		if (before === undefined) {
			changed.push(p);
			for (const u of meta.usernames) {
				claims.push(u);
				claimants.push(p);
			}
			if (meta.phone !== null) moved.push(meta.phone);
			continue;
		}
		if (meta.phone !== null && meta.phone !== before.phone) moved.push(meta.phone);
		if (peerMetaEqual(before, meta)) continue;
		changed.push(p);
		for (const u of meta.usernames)
			if (!before.usernames.includes(u)) {
				claims.push(u);
				claimants.push(p);
			}
		for (const u of before.usernames)
			if (!meta.usernames.includes(u) && owners.ownerOfUsername(u) === undefined) gone.add(u);
	}
	// a batch of unchanged peers still takes what it claimed on the way from whoever held it
	if (changed.length === 0 && gone.size === 0 && moved.length === 0) return;
	if (!fresh) {
		const late: number[] = []; // claims that conflicted: inserted after every removal
		for (let i = 0; i < claims.length; i += ROWS_PER_STATEMENT) {
			const end = Math.min(i + ROWS_PER_STATEMENT, claims.length);
			const params = usernameRows(sessionId, claims, claimants, i, end);
			const { changes } = await tx.run(
				rowsSql(USERNAME_INSERT_HEAD, "(?, ?, ?, ?)", end - i, USERNAME_IF_FREE),
				params,
			);
			if (changes < end - i) await conflicts(tx, sessionId, claims, claimants, i, end, r, late);
		}
		for (const i of late) gone.add(claims[i] as string);
		const lost = await takeUsernames(tx, sessionId, [...gone], batch, r);
		for (let i = 0; i < moved.length; i += ROWS_PER_STATEMENT) {
			const part = moved.slice(i, i + ROWS_PER_STATEMENT);
			await tx.run(rowsSql(CLEAR_PHONES_HEAD, "?", part.length, ")"), [sessionId, ...part]);
		}
		await writeMetaChunks(tx, sessionId, changed);
		await insertClaims(tx, sessionId, claims, claimants, late);
		await rewriteLosers(tx, sessionId, lost, r);
		return;
	}
	await writeMetaChunks(tx, sessionId, changed);
	await insertClaims(tx, sessionId, claims, claimants);
}

/** Upserts the metadata rows of `peers`, a chunk per statement. */
async function writeMetaChunks(
	tx: SqlExecutor,
	sessionId: string,
	peers: readonly CachedPeer[],
): Promise<void> {
	for (let i = 0; i < peers.length; i += ROWS_PER_STATEMENT) {
		const end = Math.min(i + ROWS_PER_STATEMENT, peers.length);
		const params = new Array<SqlValue>((end - i) * 9);
		let j = 0;
		for (let k = i; k < end; k++) {
			const p = peers[k] as CachedPeer;
			const m = p.meta as PeerMeta;
			params[j++] = sessionId;
			params[j++] = PEER_KINDS.indexOf(p.kind);
			params[j++] = p.id;
			params[j++] = m.phone;
			params[j++] = m.name;
			params[j++] = BigInt(m.updatedAt);
			params[j++] = m.isMin ? 1 : 0;
			params[j++] = m.data;
			params[j++] = joinedUsernames(m);
		}
		await tx.run(
			rowsSql(META_INSERT_HEAD, "(?, ?, ?, ?, ?, ?, ?, ?, ?)", end - i, ` ${META_CONFLICT}`),
			params,
		);
	}
}

/** The parameters of username rows `claims[start..end)`, each held by its claimant. */
function usernameRows(
	sessionId: string,
	claims: readonly string[],
	claimants: readonly CachedPeer[],
	start: number,
	end: number,
): SqlValue[] {
	const params = new Array<SqlValue>((end - start) * 4);
	let j = 0;
	for (let i = start; i < end; i++) {
		const p = claimants[i] as CachedPeer;
		params[j++] = sessionId;
		params[j++] = claims[i] as string;
		params[j++] = PEER_KINDS.indexOf(p.kind);
		params[j++] = p.id;
	}
	return params;
}

/** Inserts the username rows of the claims at `indices` (default: all), a chunk per statement. */
async function insertClaims(
	tx: SqlExecutor,
	sessionId: string,
	claims: readonly string[],
	claimants: readonly CachedPeer[],
	indices?: readonly number[],
): Promise<void> {
	const n = indices ? indices.length : claims.length;
	for (let i = 0; i < n; i += ROWS_PER_STATEMENT) {
		const end = Math.min(i + ROWS_PER_STATEMENT, n);
		let params: SqlValue[];
		if (!indices) params = usernameRows(sessionId, claims, claimants, i, end);
		else {
			params = [];
			for (let k = i; k < end; k++) {
				const c = indices[k] as number;
				const p = claimants[c] as CachedPeer;
				params.push(sessionId, claims[c] as string, PEER_KINDS.indexOf(p.kind), p.id);
			}
		}
		await tx.run(rowsSql(USERNAME_INSERT_HEAD, "(?, ?, ?, ?)", end - i), params);
	}
}

/**
 * After an insert of claims `[start, end)` that skipped some: adds to `out` the index of each
 * claim whose name another peer's row holds (a row of its own claimant is one just inserted).
 */
async function conflicts(
	tx: SqlExecutor,
	sessionId: string,
	claims: readonly string[],
	claimants: readonly CachedPeer[],
	start: number,
	end: number,
	r: RowReader,
	out: number[],
): Promise<void> {
	const byName = new Map<string, number>();
	for (let i = start; i < end; i++) byName.set(claims[i] as string, i);
	const rows = await tx.all(rowsSql(HOLDERS_HEAD, "?", end - start, ")"), [
		sessionId,
		...claims.slice(start, end),
	]);
	for (const row of rows) {
		const i = byName.get(r.text(row, "username"));
		if (i === undefined) continue;
		const p = claimants[i] as CachedPeer;
		if (r.byte(row, "kind") !== PEER_KINDS.indexOf(p.kind) || r.i64(row, "id") !== p.id)
			out.push(i);
	}
}

/**
 * Deletes the rows of `names` and returns the peers outside the batch that held some, with the
 * names each lost (their inline lists are rewritten last).
 */
async function takeUsernames(
	tx: SqlExecutor,
	sessionId: string,
	names: readonly string[],
	batch: SettledBatch,
	r: RowReader,
): Promise<{ peer: CachedPeer; usernames: Set<string> }[]> {
	const lost = new Map<string, { peer: CachedPeer; usernames: Set<string> }>();
	for (let i = 0; i < names.length; i += ROWS_PER_STATEMENT) {
		const part = names.slice(i, i + ROWS_PER_STATEMENT);
		const rows = await tx.all(
			rowsSql(DELETE_USERNAMES_HEAD, "?", part.length, ") RETURNING kind, id, username"),
			[sessionId, ...part],
		);
		for (const row of rows) {
			const k = r.byte(row, "kind");
			const kind = PEER_KINDS[k];
			if (!kind) throw r.corrupt(`unknown peer kind ${String(row.kind)}`);
			const id = r.i64(row, "id");
			if (batch.index()[k]?.has(id)) continue; // a peer of the batch: its rows are rewritten
			const key = `${k}:${id}`;
			let loser = lost.get(key);
			if (!loser) {
				loser = { peer: { kind, id, accessHash: 0n, channelKind: null }, usernames: new Set() };
				lost.set(key, loser);
			}
			loser.usernames.add(r.text(row, "username"));
		}
	}
	return [...lost.values()];
}

/**
 * The stored metadata of the batch's peers that have some, by index in `final` (`undefined`
 * when none has).
 */
async function storedMeta(
	tx: SqlExecutor,
	sessionId: string,
	batch: SettledBatch,
	r: RowReader,
): Promise<(PeerMeta | undefined)[] | undefined> {
	const { final } = batch;
	let out: (PeerMeta | undefined)[] | undefined;
	for (let i = 0; i < final.length; i += ROWS_PER_STATEMENT) {
		const end = Math.min(i + ROWS_PER_STATEMENT, final.length);
		const byKind: SqlValue[][] = [];
		for (let k = i; k < end; k++) {
			const p = final[k] as CachedPeer;
			const kind = PEER_KINDS.indexOf(p.kind);
			let params = byKind[kind];
			if (!params) {
				params = [sessionId, kind];
				byKind[kind] = params;
			}
			params.push(p.id);
		}
		for (let kind = 0; kind < byKind.length; kind++) {
			const params = byKind[kind];
			if (!params) continue;
			const rows = await tx.all(rowsSql(STORED_META_HEAD, "?", params.length - 2, ")"), params);
			for (const row of rows) {
				const index = batch.index()[kind]?.get(r.i64(row, "id"));
				if (index === undefined) continue;
				out ??= new Array(final.length);
				out[index] = metaFromRow(r, row);
			}
		}
	}
	return out;
}

/** Rewrites the inline username list of peers outside the batch that lost some to it. */
async function rewriteLosers(
	tx: SqlExecutor,
	sessionId: string,
	losers: readonly { peer: CachedPeer; usernames: ReadonlySet<string> }[],
	r: RowReader,
): Promise<void> {
	for (const { peer, usernames } of losers) {
		const at = [sessionId, PEER_KINDS.indexOf(peer.kind), peer.id];
		const [row] = await tx.all(
			"SELECT usernames FROM xs_peer_meta WHERE session_id = ? AND kind = ? AND id = ?",
			at,
		);
		if (!row || row.usernames === null) continue;
		const kept = r
			.text(row, "usernames")
			.split("\n")
			.filter((u) => !usernames.has(u));
		await tx.run(
			"UPDATE xs_peer_meta SET usernames = ? WHERE session_id = ? AND kind = ? AND id = ?",
			[kept.length > 0 ? kept.join("\n") : null, ...at],
		);
	}
}

const STORED_META_HEAD =
	"SELECT kind, id, phone, name, updated_at, is_min, data, usernames FROM xs_peer_meta WHERE session_id = ? AND kind = ? AND id IN (";
const DELETE_USERNAMES_HEAD = "DELETE FROM xs_usernames WHERE session_id = ? AND username IN (";
const CLEAR_PHONES_HEAD = `UPDATE xs_peer_meta${phoneIndex("sqlite")} SET phone = NULL WHERE session_id = ? AND phone IN (`;
const META_INSERT_HEAD =
	"INSERT INTO xs_peer_meta (session_id, kind, id, phone, name, updated_at, is_min, data, usernames) VALUES ";
const USERNAME_INSERT_HEAD = "INSERT INTO xs_usernames (session_id, username, kind, id) VALUES ";
const USERNAME_IF_FREE = " ON CONFLICT (session_id, username) DO NOTHING";
const HOLDERS_HEAD =
	"SELECT username, kind, id FROM xs_usernames WHERE session_id = ? AND username IN (";

/** Peers (kind and id only, once each) of `rows` that are not in the batch. */
function rowsOutside(r: RowReader, rows: SqlRow[], inBatch: ReadonlySet<string>): CachedPeer[] {
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

/** PostgreSQL: one statement per step whatever the batch size, arrays unnested server-side. */
async function writeMetaArrays(
	tx: SqlExecutor,
	sessionId: string,
	{ final }: SettledBatch,
	{ usernames, phones }: { usernames: Set<string>; phones: Set<string> },
	fresh: boolean,
	r: RowReader,
): Promise<void> {
	const arrays = (...columns: unknown[][]) => [sessionId, ...columns] as unknown as SqlValue[];
	const kinds = final.map((p) => PEER_KINDS.indexOf(p.kind));
	const ids = final.map((p) => p.id);
	let losers: CachedPeer[] = [];
	if (!fresh) {
		if (usernames.size > 0) {
			const rows = await tx.all(
				"SELECT kind, id FROM xs_usernames WHERE session_id = ? AND username = ANY(?::text[])",
				arrays([...usernames]),
			);
			losers = rowsOutside(r, rows, new Set(final.map((p) => `${p.kind}:${p.id}`)));
		}
		await tx.run(
			`DELETE FROM xs_usernames WHERE session_id = ? AND (kind, id) IN
				(SELECT * FROM unnest(?::int2[], ?::int8[]))`,
			arrays(kinds, ids),
		);
		if (usernames.size > 0)
			await tx.run(
				"DELETE FROM xs_usernames WHERE session_id = ? AND username = ANY(?::text[])",
				arrays([...usernames]),
			);
		if (phones.size > 0)
			await tx.run(
				"UPDATE xs_peer_meta SET phone = NULL WHERE session_id = ? AND phone = ANY(?::text[])",
				arrays([...phones]),
			);
	}
	const metas = final.map((p) => p.meta as PeerMeta);
	await tx.run(
		`INSERT INTO xs_peer_meta (session_id, kind, id, phone, name, updated_at, is_min, data, usernames)
		SELECT ?, * FROM unnest(?::int2[], ?::int8[], ?::text[], ?::text[], ?::int8[], ?::int2[], ?::bytea[], ?::text[])
		${META_CONFLICT}`,
		arrays(
			kinds,
			ids,
			metas.map((m) => m.phone),
			metas.map((m) => m.name),
			metas.map((m) => BigInt(m.updatedAt)),
			metas.map((m) => (m.isMin ? 1 : 0)),
			metas.map((m) => m.data),
			metas.map(joinedUsernames),
		),
	);
	const owners = final.flatMap((p) => (p.meta as PeerMeta).usernames.map((u) => [u, p] as const));
	if (owners.length > 0)
		await tx.run(
			"INSERT INTO xs_usernames (session_id, username, kind, id) SELECT ?, * FROM unnest(?::text[], ?::int2[], ?::int8[])",
			arrays(
				owners.map(([u]) => u),
				owners.map(([, p]) => PEER_KINDS.indexOf(p.kind)),
				owners.map(([, p]) => p.id),
			),
		);
	if (losers.length > 0)
		await tx.run(
			`UPDATE xs_peer_meta SET usernames = ${AGGREGATED_USERNAMES}
			WHERE session_id = ? AND (kind, id) IN (SELECT * FROM unnest(?::int2[], ?::int8[]))`,
			arrays(
				losers.map((p) => PEER_KINDS.indexOf(p.kind)),
				losers.map((p) => p.id),
			),
		);
}

/** The `usernames` column: newline-joined, `null` when there are none. */
function joinedUsernames(m: PeerMeta): string | null {
	const n = m.usernames.length;
	return n === 0 ? null : n === 1 ? (m.usernames[0] as string) : m.usernames.join("\n");
}

const META_CONFLICT = `ON CONFLICT (session_id, kind, id) DO UPDATE SET phone = excluded.phone,
	name = excluded.name, updated_at = excluded.updated_at, is_min = excluded.is_min, data = excluded.data,
	usernames = excluded.usernames`;

interface SettledBatch {
	/** One entry per peer with metadata, with its final metadata (less what later peers took). */
	final: CachedPeer[];
	/** The index in `final` of each of its peers, by kind (the stored number) then id. */
	index(): Map<bigint, number>[];
	/** Who holds each username and phone of `final`. */
	owners: IdentifierOwners;
	/** Usernames and phones claimed on the way that no final peer holds (none, usually). */
	releasedUsernames: string[];
	releasedPhones: string[];
}

/**
 * A batch played in order among its own peers: one entry per peer with its final metadata
 * (less what later peers of the batch took), and the usernames and phones claimed on the way
 * but not kept; those exist only when a peer repeats or takes another's identifier, so the
 * usual batch is not searched for them. With `distinct` (no peer repeats), the peers are indexed
 * only when {@link SettledBatch.index} is first called.
 */
function settleBatch(peers: readonly CachedPeer[], distinct: boolean): SettledBatch {
	const final: CachedPeer[] = [];
	let at: Map<bigint, number>[] | undefined;
	const owners = new IdentifierOwners(final);
	let repeated = false;
	let names = 0;
	let phones = 0;
	if (!distinct) at = PEER_KINDS.map(() => new Map<bigint, number>());
	for (const p of peers) {
		if (!p.meta) continue;
		let i = final.length;
		if (at) {
			const ids = at[PEER_KINDS.indexOf(p.kind)] as Map<bigint, number>;
			const known = ids.get(p.id);
			if (known === undefined) ids.set(p.id, i);
			else {
				i = known;
				repeated = true;
			}
		}
		final[i] = p;
		owners.claim(i);
		names += p.meta.usernames.length;
		if (p.meta.phone !== null) phones++;
	}
	const index = () => {
		if (!at) {
			at = PEER_KINDS.map(() => new Map<bigint, number>());
			for (let i = 0; i < final.length; i++) {
				const p = final[i] as CachedPeer;
				at[PEER_KINDS.indexOf(p.kind)]?.set(p.id, i);
			}
		}
		return at;
	};
	const batch: SettledBatch = { final, index, owners, releasedUsernames: [], releasedPhones: [] };
	if (!repeated) {
		// without repeats, a claim only ever removes: the same count means nothing was taken
		for (const p of final) {
			const meta = p.meta as PeerMeta;
			names -= meta.usernames.length;
			if (meta.phone !== null) phones--;
		}
		if (names === 0 && phones === 0) return batch;
	}
	const claimed = claimedBy(peers);
	for (const u of claimed.usernames)
		if (owners.ownerOfUsername(u) === undefined) batch.releasedUsernames.push(u);
	for (const phone of claimed.phones)
		if (owners.ownerOfPhone(phone) === undefined) batch.releasedPhones.push(phone);
	return batch;
}

/** Every username and phone the batch's peers claim, once each. */
function claimedBy(peers: readonly CachedPeer[]): { usernames: Set<string>; phones: Set<string> } {
	const usernames = new Set<string>();
	const phones = new Set<string>();
	for (const p of peers) {
		if (!p.meta) continue;
		for (const u of p.meta.usernames) usernames.add(u);
		if (p.meta.phone !== null) phones.add(p.meta.phone);
	}
	return { usernames, phones };
}

function chunks<T>(items: readonly T[]): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT)
		out.push(items.slice(i, i + ROWS_PER_STATEMENT));
	return out;
}

/** Writes every extension value of a session whose rows were just deleted. */
export async function insertExtensions(
	tx: SqlExecutor,
	sessionId: string,
	values: ReadonlyMap<string, SecretBytes>,
): Promise<void> {
	const rows = [...values].map(([k, v]): SqlValue[] => [sessionId, k, v.expose()]);
	for (const part of chunks(rows))
		await tx.run(
			`INSERT INTO xs_extensions (session_id, key, value) VALUES ${part.map(() => "(?, ?, ?)").join(", ")}`,
			part.flat(),
		);
}

export const UPSERT_EXTENSION = `INSERT INTO xs_extensions (session_id, key, value) VALUES (?, ?, ?)
	ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value`;

const LOOKUP_SQL = new Map<Dialect, Record<PeerLookup, string>>();

export type PeerLookup = "peer" | "byUsername" | "byPhone";

/**
 * The lookup statements of a dialect, built once: the statement cache is keyed by their text.
 * Parameters: `peer` (session id, kind, id), `byUsername` (session id, username), `byPhone`
 * (session id, digits), normalized.
 */
export function lookupSql(dialect: Dialect): Record<PeerLookup, string> {
	const known = LOOKUP_SQL.get(dialect);
	if (known) return known;
	const sql = buildLookupSql(dialect);
	LOOKUP_SQL.set(dialect, sql);
	return sql;
}

function buildLookupSql(dialect: Dialect): Record<PeerLookup, string> {
	const select = peerSelect();
	return {
		peer: `${select} WHERE p.session_id = ? AND p.kind = ? AND p.id = ?`,
		byUsername: `${select} JOIN xs_usernames x
				ON x.session_id = p.session_id AND x.kind = p.kind AND x.id = p.id
			WHERE x.session_id = ? AND x.username = ?`,
		byPhone: `${select.replace("FROM xs_peers p LEFT JOIN xs_peer_meta m", `FROM xs_peer_meta m${phoneIndex(dialect)} JOIN xs_peers p`)}
			WHERE m.session_id = ? AND m.phone = ? LIMIT 1`,
	};
}

/** Lookups that read one peer (or one value) by index, never the whole session. */
export const lookups = {
	async extension(
		db: SqlExecutor,
		sessionId: string,
		r: RowReader,
		key: string,
	): Promise<SecretBytes | null> {
		const [row] = await db.all("SELECT value FROM xs_extensions WHERE session_id = ? AND key = ?", [
			sessionId,
			key,
		]);
		return row ? new SecretBytes(r.blob(row, "value") ?? new Uint8Array()) : null;
	},

	async extensionKeys(
		db: SqlExecutor,
		sessionId: string,
		r: RowReader,
		prefix: string,
	): Promise<string[]> {
		const rows = await db.all("SELECT key FROM xs_extensions WHERE session_id = ?", [sessionId]);
		// filtered and sorted here: SQL collations differ between SQLite and PostgreSQL
		return rows
			.map((row) => r.text(row, "key"))
			.filter((k) => k.startsWith(prefix))
			.sort();
	},
};
