import { rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { type CachedPeer, type DcEntry, encodedSize, type PersistedSession } from "@x/session-core";
import { sameDcSlot } from "@x/session-core/backend";
import { SqliteSessionBackend } from "@x/session-sqlite";
import Database from "better-sqlite3";
import { time } from "../lib.js";
import { add, type Durability, NONE, type RowInfo } from "./rows.js";
import { type Any, AUTH_CHANGES, opts, peerId, pick, tmp, type W } from "./settings.js";

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
		await sqliteBounds(n, size, w, full, dir);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	await memoryFloors(n, size, w, full);
}

/** The statements SqlSessionBackend runs for one updateDc under a lease (sql/backend.ts). */
const LEASE_OWNER = "SELECT owner FROM xs_leases WHERE session_id = ?";
const ENSURE_SESSION =
	"INSERT INTO xs_sessions (session_id) VALUES (?) ON CONFLICT (session_id) DO NOTHING";
const UPSERT_DC = `INSERT INTO xs_dcs (session_id, dc_id, slot, flags, addr, auth_key, first_salt, time_offset)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id, dc_id, slot) DO UPDATE SET flags = excluded.flags, addr = excluded.addr,
		auth_key = excluded.auth_key, first_salt = excluded.first_salt, time_offset = excluded.time_offset`;
const PEER_ROWS = 150;

/**
 * What bounds our SQLite rows, measured: the raw driver writing exactly our rows (the xs_peers
 * table of a real store, the statements of one auth-key write), and the SQLite floor at the
 * durability `synchronous: "normal"` gives (WAL, NORMAL).
 */
async function sqliteBounds(
	n: number,
	size: string,
	w: W,
	full: PersistedSession,
	dir: string,
): Promise<void> {
	const path = join(dir, "ours.db");
	const store = await SqliteSessionBackend.open({ database: path });
	await store.save(full);
	await store.close();
	const normal: Durability = { rank: 1, label: "WAL, NORMAL" };
	for (const sync of ["full", "normal"] as const) {
		const db = new Database(path);
		db.pragma("journal_mode = WAL");
		db.pragma(`synchronous = ${sync}`);
		const durability: Durability = sync === "full" ? { rank: 2, label: "fsync" } : normal;
		const bound: RowInfo = { role: "floor", durability, floor: "sqlite", bound: true };
		const label = sync === "full" ? "WAL, FULL" : "WAL, NORMAL";
		const id = "default";
		if (sync === "full") {
			const many = db.prepare(
				`INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES ${Array(PEER_ROWS).fill("(?, ?, ?, ?, ?)").join(", ")}`,
			);
			const one = db.prepare(
				"INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES (?, ?, ?, ?, ?)",
			);
			const del = db.prepare("DELETE FROM xs_peers WHERE session_id = ?");
			const peers = full.peers;
			const tx = db.transaction(() => {
				del.run(id);
				let i = 0;
				for (; i + PEER_ROWS <= peers.length; i += PEER_ROWS) {
					const params: unknown[] = [];
					for (let j = i; j < i + PEER_ROWS; j++) {
						const p = peers[j] as CachedPeer;
						params.push(id, 0, p.id, p.accessHash, null);
					}
					many.run(params);
				}
				for (; i < peers.length; i++) {
					const p = peers[i] as CachedPeer;
					one.run(id, 0, p.id, p.accessHash, null);
				}
			});
			add(
				w.full,
				size,
				`floor: our xs_peers rows, raw driver, one transaction (${label})`,
				await time(() => tx.immediate(), opts(n)),
				1,
				{ ...bound, note: `${PEER_ROWS} rows a statement, as ours; peers only` },
			);
		} else {
			const up = db.prepare(
				"UPDATE xs_dcs SET auth_key = ? WHERE session_id = ? AND dc_id = 2 AND slot = 0",
			);
			const keys = [new Uint8Array(256).fill(1), new Uint8Array(256).fill(2)];
			add(
				w.auth,
				size,
				`floor: one SQLite transaction each (${label})`,
				await time(() => {
					for (let i = 0; i < AUTH_CHANGES; i++) {
						db.exec("BEGIN IMMEDIATE");
						up.run(keys[i % 2], id);
						db.exec("COMMIT");
					}
				}, opts(n)),
				AUTH_CHANGES,
				{ role: "floor", durability, floor: "sqlite", note: "one UPDATE of the key" },
			);
			const owner = db.prepare(LEASE_OWNER);
			const ensure = db.prepare(ENSURE_SESSION);
			const upsert = db.prepare(UPSERT_DC);
			add(
				w.auth,
				size,
				`floor: our statements per auth-key write, raw driver (${label})`,
				await time(() => {
					for (let i = 0; i < AUTH_CHANGES; i++) {
						db.exec("BEGIN IMMEDIATE");
						owner.get(id);
						ensure.run(id);
						upsert.run(id, 2, 0, 0, "149.154.167.51:443", keys[i % 2], 1n, 0);
						db.exec("COMMIT");
					}
				}, opts(n)),
				AUTH_CHANGES,
				{ ...bound, note: "lease check, session row, DC upsert in one transaction" },
			);
		}
		db.close();
	}
}

/**
 * The floors in memory: the same work with no store around it. A lookup: a Map keyed by number
 * id, a copy of the peer, an awaited promise. An auth-key change: a checked copy of the DC put
 * in its slot, two awaited promises (the change and the flush), as the bench loop awaits ours.
 */
async function memoryFloors(n: number, size: string, w: W, full: PersistedSession): Promise<void> {
	const info: RowInfo = { role: "floor", durability: NONE, floor: "memory" };
	const byId = new Map<number, CachedPeer>();
	for (const p of full.peers) byId.set(Number(p.id), p);
	const lookup = async (id: bigint): Promise<CachedPeer | null> => {
		const p = byId.get(Number(id));
		return p
			? { kind: p.kind, id: p.id, accessHash: p.accessHash, channelKind: p.channelKind }
			: null;
	};
	// as many operations as ours run: fewer runs of the same code would leave it less optimized
	const lookups = w.lookups;
	const dcs: DcEntry[] = full.dcs.map((d) => ({ ...d }));
	const dc = dcs.find((d) => d.dcId === 2 && d.authKey) as DcEntry;
	const keys = [dc.authKey, dc.authKey];
	const put = async (copy: DcEntry) => {
		const i = dcs.findIndex((d) => sameDcSlot(d, copy));
		dcs[i] = copy;
	};
	add(
		w.mem,
		size,
		"floor: Map.get by number id + a copy of the peer, awaited",
		await time(async () => {
			for (let i = 0; i < lookups; i++)
				if (!(await lookup(BigInt(peerId(pick(i, n)))))) throw new Error("floor: miss");
		}, opts(n)),
		lookups,
		info,
	);
	let k = 0;
	const changes = AUTH_CHANGES;
	add(
		w.auth,
		size,
		"floor: a copy of the DC put in its slot, two awaits",
		await time(async () => {
			for (let i = 0; i < changes; i++) {
				await put({ ...dc, authKey: keys[k++ % 2] ?? null });
				await Promise.resolve();
			}
		}, opts(n)),
		changes,
		info,
	);
}

export async function sqliteFloorDb(path: string): Promise<Any> {
	const db = new Database(path);
	db.pragma("journal_mode = WAL");
	db.pragma("synchronous = FULL");
	return db;
}
