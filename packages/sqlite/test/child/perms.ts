// Started by root, becomes an unprivileged user once its modules are loaded, then creates a
// SQLite session database (with its -wal and -shm files) and a migrated ferogram database (with
// its backup) and prints the mode of every file it created, while the databases are open.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sampleSession, testAuthKey } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { SqliteSessionBackend } from "../../src/index.js";

const [dir, uid, gid] = process.argv.slice(2) as [string, string, string];
// better-sqlite3 loads its native addon on first use: load it now, while node_modules is still
// readable (a checkout in a 0700 directory is not, to the unprivileged user)
new Database(":memory:").close();
process.setgid?.(Number(gid));
process.setuid?.(Number(uid));
process.umask(0o022);

const fresh = await SqliteSessionBackend.open({ database: join(dir, "bot.db") });
await fresh.save(sampleSession());

// a ferogram database (the reference's tables), migrated in place after a backup
const ref = join(dir, "ferogram.db");
writeFileSync(ref, "", { mode: 0o600 });
const db = new Database(ref);
db.exec(`
	CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0);
	CREATE TABLE dcs (dc_id INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0, addr TEXT NOT NULL, auth_key BLOB,
		first_salt INTEGER NOT NULL DEFAULT 0, time_offset INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (dc_id, flags));
	CREATE TABLE update_state (id INTEGER PRIMARY KEY CHECK (id = 1), pts INTEGER NOT NULL DEFAULT 0,
		qts INTEGER NOT NULL DEFAULT 0, date INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0);
	CREATE TABLE channel_pts (channel_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL);
	CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER NOT NULL, is_channel INTEGER NOT NULL DEFAULT 0);
`);
db.prepare("INSERT INTO meta VALUES ('home_dc_id', 2)").run();
db.prepare("INSERT INTO dcs VALUES (2, 0, '149.154.167.51:443', ?, 0, 0)").run(
	Buffer.from(testAuthKey(1).expose()),
);
db.close();
const migrated = await SqliteSessionBackend.open({ database: ref, migrateForeign: true });
const homeDc = (await migrated.load())?.homeDcId;

const modes: Record<string, string> = {};
for (const name of readdirSync(dir))
	modes[name] = (statSync(join(dir, name)).mode & 0o777).toString(8);
await fresh.close();
await migrated.close();
process.stdout.write(
	`${JSON.stringify({ uid: process.getuid?.(), umask: process.umask().toString(8), homeDc, modes })}\n`,
);
