import type { CachedPeer, PeerMeta } from "@x/session-core";
import {
	joinedUsernames,
	META_CONFLICT,
	PEER_KINDS,
	type PeerMetaWrite,
	rowsOutside,
	type SqlExecutor,
	type SqlParam,
} from "@x/session-core/sql";

/** The newline-joined usernames of an xs_peer_meta row, from the by-peer index (after a change). */
const AGGREGATED_USERNAMES = `(SELECT string_agg(u.username, E'\\n') FROM xs_usernames u WHERE u.session_id = xs_peer_meta.session_id AND u.kind = xs_peer_meta.kind AND u.id = xs_peer_meta.id)`;

/**
 * One statement per step whatever the batch size, arrays unnested server-side: the batch's
 * usernames and phones are taken from whoever held them (their inline lists recomputed from the
 * index), the batch's peers' usernames replaced, and their metadata rows upserted.
 */
export async function writePeerMeta(
	tx: SqlExecutor,
	{ sessionId, batch, fresh, rows: r }: PeerMetaWrite,
): Promise<void> {
	const { final } = batch;
	const arrays = (...columns: SqlParam[]): SqlParam[] => [sessionId, ...columns];
	const kinds = final.map((p) => PEER_KINDS.indexOf(p.kind));
	const ids = final.map((p) => p.id);
	let losers: CachedPeer[] = [];
	if (!fresh) {
		const { usernames, phones } = batch.claimed();
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
