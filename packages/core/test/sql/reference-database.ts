// Databases of the Rust reference client (ferogram / layer SqliteBackend and LibSqlBackend), as
// it leaves them, for the tests of every package that imports or reads one (core's SQL layer,
// sqlite, libsql, the CLI). One place, so the shape they test against is the same everywhere.
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { testAuthKey } from "../../src/testing/index.js";

/**
 * The reference's DDL as it runs on open (`CREATE TABLE IF NOT EXISTS`); `legacy` leaves out what
 * layer-era databases lack (`is_chat`, `channel_kind`, `is_community`, `min_peers`).
 */
export function referenceDdl(legacy = false): string {
	return `
		CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0);
		CREATE TABLE IF NOT EXISTS dcs (dc_id INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0, addr TEXT NOT NULL, auth_key BLOB,
			first_salt INTEGER NOT NULL DEFAULT 0, time_offset INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (dc_id, flags));
		CREATE TABLE IF NOT EXISTS update_state (id INTEGER PRIMARY KEY CHECK (id = 1), pts INTEGER NOT NULL DEFAULT 0,
			qts INTEGER NOT NULL DEFAULT 0, date INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0);
		CREATE TABLE IF NOT EXISTS channel_pts (channel_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL);
		CREATE TABLE IF NOT EXISTS peers (id INTEGER PRIMARY KEY, access_hash INTEGER NOT NULL, is_channel INTEGER NOT NULL DEFAULT 0
			${legacy ? "" : ", is_chat INTEGER NOT NULL DEFAULT 0, channel_kind INTEGER, is_community INTEGER NOT NULL DEFAULT 0"});
		${legacy ? "" : "CREATE TABLE IF NOT EXISTS min_peers (user_id INTEGER PRIMARY KEY, peer_id INTEGER NOT NULL, msg_id INTEGER NOT NULL);"}
	`;
}

/**
 * Writes a ferogram database at `path` (0600) holding one saved session: home DC 2 with an auth
 * key (`testAuthKey(2)`, salt -5, offset 3), state pts 100 / qts 7 / date 1700000000 / seq 9,
 * channel 1500000001 at pts 42, three peers (user i64-max with hash i64-min, channel 77
 * megagroup with hash 770, chat 5) and min peer 11 → 12 at message 13.
 */
export function ferogramDatabase(path: string): void {
	writeFileSync(path, "", { mode: 0o600 });
	const db = new Database(path);
	db.exec(referenceDdl());
	db.exec(`
		INSERT INTO meta VALUES ('home_dc_id', 2);
		INSERT INTO update_state VALUES (1, 100, 7, 1700000000, 9);
		INSERT INTO channel_pts VALUES (1500000001, 42);
		INSERT INTO peers VALUES (9223372036854775807, -9223372036854775808, 0, 0, NULL, 0), (77, 770, 1, 0, 1, 0), (5, 0, 0, 1, NULL, 0);
		INSERT INTO min_peers VALUES (11, 12, 13);
	`);
	db.prepare("INSERT INTO dcs VALUES (2, 0, '149.154.167.51:443', ?, -5, 3)").run(
		Buffer.from(testAuthKey(2).expose()),
	);
	db.close();
}
