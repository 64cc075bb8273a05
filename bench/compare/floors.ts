import { rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { encodedSize, type PersistedSession } from "@x/session-core";
import Database from "better-sqlite3";
import { time } from "../lib.js";
import { add, type Durability, type RowInfo } from "./rows.js";
import { type Any, AUTH_CHANGES, opts, tmp, type W } from "./settings.js";

// The physical floors: what a durable write costs without any session store around it.

/** Floors for a full save of n peers and for one durable auth-key change. */
export async function floorsAt(
	n: number,
	size: string,
	w: W,
	full: PersistedSession,
): Promise<void> {
	const dir = tmp();
	const durable: Durability = { rank: 2, label: "fsync" };
	try {
		// the v8 file's bytes for this session (encodedSize has no 65,535-peer limit)
		const bytes = new Uint8Array(encodedSize(full));
		const path = join(dir, "f");
		const fileSave = async (data: Uint8Array) => {
			const f = await open(`${path}.tmp`, "w", 0o600);
			await f.write(data);
			await f.sync();
			await f.close();
			await rename(`${path}.tmp`, path);
			const d = await open(dir, "r");
			await d.sync();
			await d.close();
		};
		const floor = (kind: "file" | "sqlite"): RowInfo => ({
			role: "floor",
			durability: durable,
			floor: kind,
		});
		add(
			w.full,
			size,
			"floor: write + fsync + rename + dir fsync",
			await time(() => fileSave(bytes), opts(n)),
			1,
			{ ...floor("file"), note: `${bytes.length.toLocaleString("en")} bytes` },
		);
		const db = await sqliteFloorDb(join(dir, "floor.db"));
		db.exec("CREATE TABLE p (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL)");
		const ins = db.prepare("INSERT INTO p VALUES (?, ?)");
		const tx = db.transaction(() => {
			db.exec("DELETE FROM p");
			for (const p of full.peers) ins.run(p.id, p.accessHash);
		});
		add(
			w.full,
			size,
			"floor: one SQLite transaction of n rows (WAL, FULL)",
			await time(() => tx.immediate(), opts(n)),
			1,
			floor("sqlite"),
		);
		const key = new Uint8Array(256);
		const keys = [new Uint8Array(256).fill(1), new Uint8Array(256).fill(2)];
		add(
			w.auth,
			size,
			"floor: write + fsync + rename + dir fsync",
			await time(async () => {
				for (let i = 0; i < AUTH_CHANGES; i++) await fileSave(key);
			}, opts(n)),
			AUTH_CHANGES,
			{ ...floor("file"), note: "256 bytes each" },
		);
		db.exec("CREATE TABLE k (dc INTEGER PRIMARY KEY, key BLOB)");
		db.prepare("INSERT INTO k VALUES (2, ?)").run(key);
		const up = db.prepare("UPDATE k SET key = ? WHERE dc = 2");
		// two keys in turn: SQLite skips writing a cell whose bytes did not change
		add(
			w.auth,
			size,
			"floor: one SQLite transaction each (WAL, FULL)",
			await time(() => {
				for (let i = 0; i < AUTH_CHANGES; i++) up.run(keys[i % 2]);
			}, opts(n)),
			AUTH_CHANGES,
			floor("sqlite"),
		);
		db.close();
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export async function sqliteFloorDb(path: string): Promise<Any> {
	const db = new Database(path);
	db.pragma("journal_mode = WAL");
	db.pragma("synchronous = FULL");
	return db;
}
