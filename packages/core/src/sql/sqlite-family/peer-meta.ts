import { peerMetaEqual } from "../../extensions.js";
import type { CachedPeer, PeerMeta } from "../../types.js";
import type { PeerMetaWrite } from "../dialect.js";
import type { SqlExecutor, SqlValue } from "../driver.js";
import { joinedUsernames, META_CONFLICT, metaFromRow } from "../peer-meta.js";
import { PEER_KINDS } from "../rows.js";
import { rowsSql } from "../util.js";
import {
	Claims,
	insertClaims,
	insertFreeClaims,
	ROWS_PER_STATEMENT,
	rewriteLosers,
	takeUsernames,
} from "./usernames.js";

/** SQLite's planner, without statistics, prefers the primary key's `session_id` prefix to the
 * phone index (a scan of the whole session); naming the index keeps phone lookups O(log n). */
export const PHONE_INDEX_HINT = " INDEXED BY xs_peer_meta_phone";

const STORED_META_HEAD =
	"SELECT kind, id, phone, name, updated_at, is_min, data, usernames FROM xs_peer_meta WHERE session_id = ? AND kind = ? AND id IN (";
const CLEAR_PHONES_HEAD = `UPDATE xs_peer_meta${PHONE_INDEX_HINT} SET phone = NULL WHERE session_id = ? AND phone IN (`;
const META_INSERT_HEAD =
	"INSERT INTO xs_peer_meta (session_id, kind, id, phone, name, updated_at, is_min, data, usernames) VALUES ";

/**
 * Reads the stored metadata of the batch's peers first (one statement per chunk), then writes
 * only what changed: a peer whose metadata is stored as given is skipped, and only the usernames
 * and phones that change hands are moved (each taken from whoever held it, whose inline list is
 * then rewritten; a batch plays in order, so a name claimed on the way is taken too). Multi-row
 * statements, a chunk each.
 *
 * A username new to its peer is first inserted where no row holds it (`ON CONFLICT DO NOTHING`:
 * for fresh names, the usual case, one B-tree operation). Only the names that conflicted, and
 * those the batch's peers release or claim on the way without keeping, are then deleted (their
 * holders outside the batch lose them), and the conflicted ones inserted after every deletion.
 * No removal deletes a row this batch wrote: the names deleted are held by no final peer, or
 * conflicted (so were not inserted); a phone is cleared from other rows before its new holder's
 * row is written.
 */
export async function writePeerMeta(tx: SqlExecutor, w: PeerMetaWrite): Promise<void> {
	const { sessionId, batch, fresh } = w;
	const { final, owners } = batch;
	const stored = fresh ? undefined : await storedMeta(tx, w);
	const changed: CachedPeer[] = [];
	const claims = new Claims();
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
			for (const u of meta.usernames) claims.add(u, p);
			if (meta.phone !== null) moved.push(meta.phone);
			continue;
		}
		if (meta.phone !== null && meta.phone !== before.phone) moved.push(meta.phone);
		if (peerMetaEqual(before, meta)) continue;
		changed.push(p);
		for (const u of meta.usernames) if (!before.usernames.includes(u)) claims.add(u, p);
		for (const u of before.usernames)
			if (!meta.usernames.includes(u) && owners.ownerOfUsername(u) === undefined) gone.add(u);
	}
	// a batch of unchanged peers still takes what it claimed on the way from whoever held it
	if (changed.length === 0 && gone.size === 0 && moved.length === 0) return;
	if (fresh) {
		await writeMetaChunks(tx, sessionId, changed);
		await insertClaims(tx, sessionId, claims);
		return;
	}
	const late = await insertFreeClaims(tx, w, claims); // inserted after every removal
	for (const i of late) gone.add(claims.names[i] as string);
	const lost = await takeUsernames(tx, w, [...gone]);
	for (let i = 0; i < moved.length; i += ROWS_PER_STATEMENT) {
		const part = moved.slice(i, i + ROWS_PER_STATEMENT);
		await tx.run(rowsSql(CLEAR_PHONES_HEAD, "?", part.length, ")"), [sessionId, ...part]);
	}
	await writeMetaChunks(tx, sessionId, changed);
	await insertClaims(tx, sessionId, claims, late);
	await rewriteLosers(tx, w, lost);
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

/**
 * The stored metadata of the batch's peers that have some, by index in `final` (`undefined`
 * when none has).
 */
async function storedMeta(
	tx: SqlExecutor,
	{ sessionId, batch, rows: r }: PeerMetaWrite,
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
