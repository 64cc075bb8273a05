import type Database from "libsql";

type Db = InstanceType<typeof Database>;

/**
 * Reads that arrive in one turn of the event loop share one read transaction. Outside a
 * transaction every SQLite statement takes and releases the WAL read lock (a few system calls,
 * much of a point lookup's cost); inside one, a lookup is a B-tree descent. The transaction ends
 * before the loop turns (setImmediate) and before any queued statement or write of this
 * connection runs, so a read never sees older data than a read issued after the last turn, and
 * no write waits on it. (As the SQLite backend's driver does.)
 */
export function readSnapshot(db: Db) {
	let open = false;
	const end = () => {
		if (!open) return;
		open = false;
		if (db.open && db.inTransaction) db.exec("COMMIT");
	};
	return {
		get open() {
			return open;
		},
		begin() {
			if (open) return;
			db.exec("BEGIN");
			open = true;
			setImmediate(end);
		},
		end,
	};
}
