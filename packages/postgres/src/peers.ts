import type { CachedPeer } from "@x/session-core";
import { PEER_CONFLICT, peerParams, type SqlExecutor, type SqlValue } from "@x/session-core/sql";

// PostgreSQL writes a batch of peers as one statement whatever its size: each column bound as
// an array and unnested server-side (no bound-parameter limit, one statement text).

const INSERT_PEERS = `INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind)
	SELECT ?, * FROM unnest(?::int2[], ?::int8[], ?::int8[], ?::int2[])`;
const UPSERT_PEERS = `${INSERT_PEERS} ${PEER_CONFLICT}`;

async function writePeers(
	tx: SqlExecutor,
	sql: string,
	id: string,
	list: readonly CachedPeer[],
): Promise<void> {
	if (list.length === 0) return;
	const rows = list.map((p) => peerParams(id, p));
	const column = (i: number): SqlValue[] => rows.map((r) => r[i] as SqlValue);
	await tx.run(sql, [id, column(1), column(2), column(3), column(4)]);
}

/** Inserts peers known to be new (after a delete). */
export function insertPeers(tx: SqlExecutor, id: string, list: readonly CachedPeer[]) {
	return writePeers(tx, INSERT_PEERS, id, list);
}

/** Upserts peers with the merge rules, a batch without repeats. */
export function upsertPeers(tx: SqlExecutor, id: string, list: readonly CachedPeer[]) {
	return writePeers(tx, UPSERT_PEERS, id, list);
}
