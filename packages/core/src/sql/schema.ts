/**
 * The schema version this release migrates to: every dialect's migrations count this many steps
 * (version `i` → `i + 1`), with the same tables and stored values.
 */
export const SCHEMA_VERSION = 4;

/** The data tables of a session, children first (delete order). */
export const DATA_TABLES = [
	"xs_extensions",
	"xs_usernames",
	"xs_peer_meta",
	"xs_dcs",
	"xs_channel_pts",
	"xs_peers",
	"xs_min_peers",
	"xs_sessions",
] as const;
