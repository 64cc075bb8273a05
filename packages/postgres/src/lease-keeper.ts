import { LeaseKeeper, type LeaseKeeperExecutor, type LeaseRenewal } from "@x/session-core/sql";

/** Every lease of a batch in one statement of one text, whatever its size: arrays, not lists. */
export const anyRenewal: LeaseRenewal = {
	maxBatch: 50_000,
	sql: () =>
		"UPDATE xs_leases SET expires_at = ? WHERE session_id = ANY(?::text[]) AND owner = ANY(?::text[]) RETURNING owner",
	params: (expiresAt, sessionIds, owners) => [expiresAt, sessionIds, owners],
};

/** One keeper per connection source (pool, client) and schema: the sessions that share them. */
const keepers = new WeakMap<object, Map<string, LeaseKeeper>>();

/**
 * The keeper of the sessions in `schema` on `source`, renewing through `db` (the first driver's
 * statements, which run on the same source as long as any session holds it).
 */
export function leaseKeeperFor(
	source: object,
	schema: string,
	db: LeaseKeeperExecutor,
): LeaseKeeper {
	const bySchema = keepers.get(source) ?? new Map<string, LeaseKeeper>();
	keepers.set(source, bySchema);
	let keeper = bySchema.get(schema);
	if (!keeper) {
		keeper = new LeaseKeeper(db, { renewal: anyRenewal });
		bySchema.set(schema, keeper);
	}
	return keeper;
}
