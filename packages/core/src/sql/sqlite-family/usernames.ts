import type { CachedPeer } from "../../types.js";
import type { PeerMetaWrite } from "../dialect.js";
import type { SqlExecutor, SqlValue } from "../driver.js";
import { PEER_KINDS } from "../rows.js";
import { rowsSql } from "../util.js";

// The SQLite family's username moves inside one batch of peer metadata (see peer-meta.ts): the
// usernames new to their peer (claims) are inserted where free, those held by another peer are
// taken from it, and the inline lists of the peers outside the batch that lost some rewritten.

export const ROWS_PER_STATEMENT = 500;

/** Usernames new to their peer, in batch order: `names[i]` is claimed by `claimants[i]`. */
export class Claims {
	readonly names: string[] = [];
	readonly claimants: CachedPeer[] = [];

	add(name: string, claimant: CachedPeer): void {
		this.names.push(name);
		this.claimants.push(claimant);
	}

	/** The parameters of username rows `[start, end)` (or of the claims at `indices[start, end)`). */
	rows(sessionId: string, start: number, end: number, indices?: readonly number[]): SqlValue[] {
		const params = new Array<SqlValue>((end - start) * 4);
		let j = 0;
		for (let k = start; k < end; k++) {
			const i = indices ? (indices[k] as number) : k;
			const p = this.claimants[i] as CachedPeer;
			params[j++] = sessionId;
			params[j++] = this.names[i] as string;
			params[j++] = PEER_KINDS.indexOf(p.kind);
			params[j++] = p.id;
		}
		return params;
	}
}

/** A peer outside the batch that lost usernames to it. */
export interface Loser {
	peer: CachedPeer;
	usernames: Set<string>;
}

const USERNAME_INSERT_HEAD = "INSERT INTO xs_usernames (session_id, username, kind, id) VALUES ";
const USERNAME_IF_FREE = " ON CONFLICT (session_id, username) DO NOTHING";
const HOLDERS_HEAD =
	"SELECT username, kind, id FROM xs_usernames WHERE session_id = ? AND username IN (";
const DELETE_USERNAMES_HEAD = "DELETE FROM xs_usernames WHERE session_id = ? AND username IN (";

/**
 * Inserts every claim whose name no row holds, a chunk per statement, and returns the indices of
 * those another peer's row holds (to insert after every removal, {@link insertClaims}).
 */
export async function insertFreeClaims(
	tx: SqlExecutor,
	w: PeerMetaWrite,
	claims: Claims,
): Promise<number[]> {
	const late: number[] = [];
	const n = claims.names.length;
	for (let i = 0; i < n; i += ROWS_PER_STATEMENT) {
		const end = Math.min(i + ROWS_PER_STATEMENT, n);
		const { changes } = await tx.run(
			rowsSql(USERNAME_INSERT_HEAD, "(?, ?, ?, ?)", end - i, USERNAME_IF_FREE),
			claims.rows(w.sessionId, i, end),
		);
		if (changes < end - i) late.push(...(await conflicts(tx, w, claims, i, end)));
	}
	return late;
}

/** Inserts the username rows of the claims at `indices` (default: all), a chunk per statement. */
export async function insertClaims(
	tx: SqlExecutor,
	sessionId: string,
	claims: Claims,
	indices?: readonly number[],
): Promise<void> {
	const n = indices ? indices.length : claims.names.length;
	for (let i = 0; i < n; i += ROWS_PER_STATEMENT) {
		const end = Math.min(i + ROWS_PER_STATEMENT, n);
		await tx.run(
			rowsSql(USERNAME_INSERT_HEAD, "(?, ?, ?, ?)", end - i),
			claims.rows(sessionId, i, end, indices),
		);
	}
}

/**
 * After an insert of claims `[start, end)` that skipped some: the index of each claim whose name
 * another peer's row holds (a row of its own claimant is one just inserted).
 */
async function conflicts(
	tx: SqlExecutor,
	{ sessionId, rows: r }: PeerMetaWrite,
	claims: Claims,
	start: number,
	end: number,
): Promise<number[]> {
	const byName = new Map<string, number>();
	for (let i = start; i < end; i++) byName.set(claims.names[i] as string, i);
	const rows = await tx.all(rowsSql(HOLDERS_HEAD, "?", end - start, ")"), [
		sessionId,
		...claims.names.slice(start, end),
	]);
	const out: number[] = [];
	for (const row of rows) {
		const i = byName.get(r.text(row, "username"));
		if (i === undefined) continue;
		const p = claims.claimants[i] as CachedPeer;
		if (r.byte(row, "kind") !== PEER_KINDS.indexOf(p.kind) || r.i64(row, "id") !== p.id)
			out.push(i);
	}
	return out;
}

/**
 * Deletes the rows of `names` and returns the peers outside the batch that held some, with the
 * names each lost (their inline lists are rewritten last, {@link rewriteLosers}).
 */
export async function takeUsernames(
	tx: SqlExecutor,
	{ sessionId, batch, rows: r }: PeerMetaWrite,
	names: readonly string[],
): Promise<Loser[]> {
	const lost = new Map<string, Loser>();
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

/** Rewrites the inline username list of peers outside the batch that lost some to it. */
export async function rewriteLosers(
	tx: SqlExecutor,
	{ sessionId, rows: r }: PeerMetaWrite,
	losers: readonly Loser[],
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
