import { rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { sampleSession } from "@x/session-core/testing";
import { time } from "../lib.js";
import { sqliteFloorDb } from "./floors.js";
import { cleanupOurs, ours } from "./ours.js";
import { mtcuteStore } from "./peers.js";
import { add, type Durability, NONE, na } from "./rows.js";
import { FLOOD, tmp, want } from "./settings.js";

/** A flood of update-state changes, each made durable where the store offers it. */
export async function flood(): Promise<void> {
	const name = "applyUpdateState flood";
	const group = name;
	for (const o of (await ours()).filter((o) => want(o.name))) {
		const dir = tmp();
		const b = await o.open(dir);
		await b.save(sampleSession());
		const count = o.name.includes("postgres") || o.name.includes("libsql") ? 2000 : FLOOD;
		let pts = 0;
		const t = await time(
			async () => {
				for (let i = 0; i < count; i++)
					await b.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
				await b.flush();
			},
			{ runs: 3 },
		);
		// a coalescing store holds the changes in memory until its one flush() at the end
		const durability: Durability = b.capabilities.coalescing
			? { rank: 0, label: "coalesced in memory, one fsync at the end" }
			: o.durability;
		add(name, `${count} changes`, o.name, t, count, {
			role: "ours",
			durability,
			group,
			...(o.floor && !b.capabilities.coalescing ? { floor: o.floor } : {}),
		});
		await cleanupOurs(o, dir, b);
	}
	na(name, `${FLOOD} changes`, "GramJS (any session)", "GramJS stores no update state", {
		role: "peer",
		durability: NONE,
		group,
	});
	for (const kind of ["memory", "sqlite"] as const) {
		if (!want(`mtcute ${kind === "memory" ? "MemoryStorage" : "SqliteStorage"}`)) continue;
		const dir = tmp();
		const s = await mtcuteStore(kind, dir);
		const durability: Durability =
			kind === "memory"
				? NONE
				: Number(s.driver.db.pragma("synchronous", { simple: true })) >= 2
					? { rank: 2, label: "WAL, FULL" }
					: { rank: 1, label: "WAL, NORMAL" };
		let pts = 0;
		const t = await time(
			async () => {
				for (let i = 0; i < FLOOD; i++) {
					const v = new Uint8Array(4);
					new DataView(v.buffer).setInt32(0, ++pts, true);
					await s.kv.set("updates_pts", v);
					await s.driver.save?.();
				}
			},
			{ runs: 3 },
		);
		add(
			name,
			`${FLOOD} changes`,
			`mtcute ${kind === "memory" ? "MemoryStorage" : "SqliteStorage"}`,
			t,
			FLOOD,
			{ role: "peer", durability, group, note: "kv.set + driver.save() per change" },
		);
		await s.driver.destroy?.();
		rmSync(dir, { recursive: true, force: true });
	}
	// floors for durable granular writes
	if (!want("floor")) return;
	const dir = tmp();
	const bytes = new Uint8Array(64);
	const path = join(dir, "f");
	const durable: Durability = { rank: 2, label: "fsync" };
	const t = await time(
		async () => {
			for (let i = 0; i < 200; i++) {
				const f = await open(`${path}.tmp`, "w", 0o600);
				await f.write(bytes);
				await f.sync();
				await f.close();
				await rename(`${path}.tmp`, path);
				const d = await open(dir, "r");
				await d.sync();
				await d.close();
			}
		},
		{ runs: 3 },
	);
	add(name, "200 changes", "floor: write + fsync + rename + dir fsync", t, 200, {
		role: "floor",
		durability: durable,
		group,
		floor: "file",
	});
	const db = await sqliteFloorDb(join(dir, "floor.db"));
	db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
	db.exec("INSERT INTO t VALUES (1, 0)");
	const up = db.prepare("UPDATE t SET v = ? WHERE id = 1");
	const ts = await time(
		() => {
			for (let i = 0; i < FLOOD; i++) {
				db.exec("BEGIN IMMEDIATE");
				up.run(i);
				db.exec("COMMIT");
			}
		},
		{ runs: 3 },
	);
	add(name, `${FLOOD} changes`, "floor: one SQLite transaction each (WAL, FULL)", ts, FLOOD, {
		role: "floor",
		durability: durable,
		group,
		floor: "sqlite",
	});
	// the durability of synchronous: "normal", which mtcute's SqliteStorage runs with
	db.pragma("synchronous = NORMAL");
	const tn = await time(
		() => {
			for (let i = 0; i < FLOOD; i++) {
				db.exec("BEGIN IMMEDIATE");
				up.run(i);
				db.exec("COMMIT");
			}
		},
		{ runs: 3 },
	);
	add(name, `${FLOOD} changes`, "floor: one SQLite transaction each (WAL, NORMAL)", tn, FLOOD, {
		role: "floor",
		durability: { rank: 1, label: "WAL, NORMAL" },
		group,
		floor: "sqlite",
	});
	db.close();
	rmSync(dir, { recursive: true, force: true });
}
