/**
 * The schema of the SQLite-family backends (SQLite, libSQL). Every table is prefixed `xs_` so it
 * never collides with the reference's own tables, and keyed by `session_id`, so one database
 * holds many accounts. The version lives in `PRAGMA user_version`; each migration moves the
 * schema from version `i` to `i + 1` and runs in the same transaction as the version bump.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
	// 0 → 1: the session data
	[
		`CREATE TABLE xs_sessions (
			session_id TEXT PRIMARY KEY NOT NULL,
			home_dc_id INTEGER NOT NULL DEFAULT 0,
			pts INTEGER NOT NULL DEFAULT 0,
			qts INTEGER NOT NULL DEFAULT 0,
			date INTEGER NOT NULL DEFAULT 0,
			seq INTEGER NOT NULL DEFAULT 0,
			future_auth_token BLOB
		)`,
		`CREATE TABLE xs_dcs (
			session_id TEXT NOT NULL,
			dc_id INTEGER NOT NULL,
			slot INTEGER NOT NULL,
			flags INTEGER NOT NULL,
			addr TEXT NOT NULL,
			auth_key BLOB,
			first_salt INTEGER NOT NULL,
			time_offset INTEGER NOT NULL,
			PRIMARY KEY (session_id, dc_id, slot)
		) WITHOUT ROWID`,
		`CREATE TABLE xs_channel_pts (
			session_id TEXT NOT NULL,
			channel_id INTEGER NOT NULL,
			pts INTEGER NOT NULL,
			PRIMARY KEY (session_id, channel_id)
		) WITHOUT ROWID`,
		`CREATE TABLE xs_peers (
			session_id TEXT NOT NULL,
			kind INTEGER NOT NULL,
			id INTEGER NOT NULL,
			access_hash INTEGER NOT NULL,
			channel_kind INTEGER,
			PRIMARY KEY (session_id, kind, id)
		) WITHOUT ROWID`,
		`CREATE TABLE xs_min_peers (
			session_id TEXT NOT NULL,
			user_id INTEGER NOT NULL,
			peer_id INTEGER NOT NULL,
			msg_id INTEGER NOT NULL,
			PRIMARY KEY (session_id, user_id)
		) WITHOUT ROWID`,
	],
	// 1 → 2: single-writer leases
	[
		`CREATE TABLE xs_leases (
			session_id TEXT PRIMARY KEY NOT NULL,
			owner TEXT NOT NULL,
			pid INTEGER,
			host TEXT,
			expires_at INTEGER NOT NULL
		)`,
	],
	// 2 → 3: client metadata beside the ferogram model (extension values, peer metadata)
	[
		`CREATE TABLE xs_extensions (
			session_id TEXT NOT NULL,
			key TEXT NOT NULL,
			value BLOB NOT NULL,
			PRIMARY KEY (session_id, key)
		) WITHOUT ROWID`,
		`CREATE TABLE xs_peer_meta (
			session_id TEXT NOT NULL,
			kind INTEGER NOT NULL,
			id INTEGER NOT NULL,
			phone TEXT,
			name TEXT,
			updated_at INTEGER NOT NULL,
			is_min INTEGER NOT NULL,
			data BLOB,
			usernames TEXT,
			PRIMARY KEY (session_id, kind, id)
		) WITHOUT ROWID`,
		"CREATE INDEX xs_peer_meta_phone ON xs_peer_meta (session_id, phone)",
		`CREATE TABLE xs_usernames (
			session_id TEXT NOT NULL,
			username TEXT NOT NULL,
			kind INTEGER NOT NULL,
			id INTEGER NOT NULL,
			PRIMARY KEY (session_id, username)
		) WITHOUT ROWID`,
		"CREATE INDEX xs_usernames_peer ON xs_usernames (session_id, kind, id)",
	],
	// 3 → 4: a peer's usernames are found from its inline list (xs_peer_meta.usernames), so the
	// by-peer index is dead weight on every username written
	["DROP INDEX xs_usernames_peer"],
];
