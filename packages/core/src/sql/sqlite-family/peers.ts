import type { CachedPeer } from "../../types.js";
import type { SqlExecutor, SqlValue } from "../driver.js";
import { UPSERT_PEER } from "../peers.js";
import { CHANNEL_KINDS, PEER_KINDS } from "../rows.js";
import { rowsSql } from "../util.js";

// The SQLite family writes a batch of peers as multi-row statements, a chunk of rows each (its
// bound-parameter limit, and one cached statement text per chunk size).

const PEERS_PER_STATEMENT = 150;
const PEER_ROW = "(?, ?, ?, ?, ?)";
const [UPSERT_PEER_HEAD, UPSERT_PEER_TAIL] = UPSERT_PEER.split(PEER_ROW) as [string, string];
const INSERT_PEER_HEAD =
	"INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES ";

/** Inserts peers known to be new (after a delete), many rows per statement. */
export async function insertPeers(
	tx: SqlExecutor,
	id: string,
	peers: readonly CachedPeer[],
): Promise<void> {
	for (let i = 0; i < peers.length; i += PEERS_PER_STATEMENT) {
		const end = Math.min(i + PEERS_PER_STATEMENT, peers.length);
		await tx.run(rowsSql(INSERT_PEER_HEAD, PEER_ROW, end - i), peerRows(id, peers, i, end));
	}
}

/** Upserts peers with the merge rules, a batch without repeats (`mergedBatch`). */
export async function upsertPeers(
	tx: SqlExecutor,
	id: string,
	list: readonly CachedPeer[],
): Promise<void> {
	for (let i = 0; i < list.length; i += PEERS_PER_STATEMENT) {
		const end = Math.min(i + PEERS_PER_STATEMENT, list.length);
		await tx.run(
			rowsSql(UPSERT_PEER_HEAD, PEER_ROW, end - i, UPSERT_PEER_TAIL),
			peerRows(id, list, i, end),
		);
	}
}

/** The parameters of `xs_peers` rows `peers[start..end)`, in column order. */
function peerRows(
	id: string,
	peers: readonly CachedPeer[],
	start: number,
	end: number,
): SqlValue[] {
	const params = new Array<SqlValue>((end - start) * 5);
	let j = 0;
	for (let i = start; i < end; i++) {
		const p = peers[i] as CachedPeer;
		params[j++] = id;
		params[j++] = PEER_KINDS.indexOf(p.kind);
		params[j++] = p.id;
		params[j++] = p.accessHash;
		params[j++] = p.channelKind === null ? null : CHANNEL_KINDS.indexOf(p.channelKind);
	}
	return params;
}
