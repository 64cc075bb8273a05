// Holds a read transaction on a SQLite database from another process (so its locks are not this
// test process's): prints "reading" once its snapshot is taken, then ends it after `holdMs`.
import Database from "better-sqlite3";

const [path, holdMs] = process.argv.slice(2) as [string, string];
const db = new Database(path, { readonly: true });
db.exec("BEGIN");
db.prepare("SELECT count(*) FROM xs_peers").get();
process.stdout.write("reading\n");
setTimeout(() => {
	db.exec("COMMIT");
	db.close();
}, Number(holdMs));
