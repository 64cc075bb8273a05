import { type Dialect, lookupStatements } from "@x/session-core/sql";
import { fencedWrite } from "./fenced-write.js";
import { schemaVersion, upgrade } from "./migrations.js";
import { writePeerMeta } from "./peer-meta.js";
import { insertPeers, upsertPeers } from "./peers.js";

/**
 * PostgreSQL's dialect: PostgreSQL types, version in `xs_schema`, migrations under an advisory
 * lock, batches as one `unnest` statement. Transactions run side by side, so a write reads its
 * lease `FOR SHARE`: a takeover cannot commit before the transaction that checked the lease.
 * A granular write of one statement is one round trip (`fencedWrite`), its lease checked in it.
 */
export const postgresDialect: Dialect = {
	name: "postgres",
	lookups: lookupStatements(),
	leaseOwnerSql: "SELECT owner FROM xs_leases WHERE session_id = ? FOR SHARE",
	fencedWrite,
	schemaVersion,
	upgrade: (db, from) => upgrade(db, from),
	// a PostgreSQL schema without ours holds no session (there is no foreign import)
	unversioned: async () => ({ kind: "none" }),
	insertPeers,
	upsertPeers,
	writePeerMeta,
};
