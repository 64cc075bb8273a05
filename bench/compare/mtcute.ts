import { rmSync } from "node:fs";
import { join } from "node:path";
import type { CachedPeer } from "@x/session-core";
import { time } from "../lib.js";
import { keyBytes, mtcuteStore, mtPeer } from "./peers.js";
import { add, NONE, na, type RowInfo } from "./rows.js";
import { type Any, AUTH_CHANGES, opts, peerId, pick, tmp, type W, want } from "./settings.js";

/** mtcute MemoryStorage / SqliteStorage through the repositories its client uses. */
export async function mtcuteAt(
	kind: "memory" | "sqlite",
	n: number,
	size: string,
	w: W,
	peers: CachedPeer[],
) {
	const subject = `mtcute ${kind === "memory" ? "MemoryStorage" : "SqliteStorage"}`;
	if (!want(subject)) return;
	const dir = tmp();
	let info: RowInfo = { role: "peer", durability: NONE };
	try {
		let runNo = 0;
		const path = () => join(dir, `c${runNo}`);
		const cache = await time(
			async () => {
				const s = await mtcuteStore(kind, path());
				for (const p of peers) await s.peers.store(mtPeer(p));
				await s.driver.save?.();
				if (kind === "sqlite" && info.durability === NONE) {
					const sync = Number(s.driver.db.pragma("synchronous", { simple: true }));
					const mode = String(s.driver.db.pragma("journal_mode", { simple: true }));
					info = {
						role: "peer",
						durability: {
							rank: sync >= 2 ? 2 : 1,
							label: `${mode.toUpperCase()}, synchronous ${["OFF", "NORMAL", "FULL", "EXTRA"][sync]}`,
						},
					};
				}
				await s.driver.destroy?.();
			},
			opts(n, {
				warmup: 0,
				// each run a new store; the last one stays for the rows below
				before: () => {
					if (runNo > 0) rmSync(path(), { recursive: true, force: true });
					runNo++;
				},
			}),
		);
		add(w.cache, size, subject, cache, n, { ...info, note: "peers.store each + driver.save()" });
		const s = await mtcuteStore(kind, path());
		if (kind === "memory") for (const p of peers) await s.peers.store(mtPeer(p));
		const dcs = new Uint8Array(600);
		const counter = new Uint8Array(4);
		add(
			w.full,
			size,
			subject,
			await time(async () => {
				await s.authKeys.set(2, keyBytes[0]);
				await s.authKeys.set(4, keyBytes[1]);
				await s.kv.set("dcs", dcs);
				for (const key of ["updates_pts", "updates_qts", "updates_date", "updates_seq"])
					await s.kv.set(key, counter);
				for (const p of peers) await s.peers.store(mtPeer(p));
				await s.driver.save?.();
			}, opts(n)),
			1,
			{ ...info, note: "auth keys, DCs, counters, every peer, then driver.save()" },
		);
		let k = 0;
		add(
			w.auth,
			size,
			subject,
			await time(async () => {
				for (let i = 0; i < AUTH_CHANGES; i++) {
					await s.authKeys.set(2, keyBytes[k++ % 2]);
					await s.driver.save?.();
				}
			}, opts(n)),
			AUTH_CHANGES,
			{ ...info, note: "authKeys.set + driver.save() per change" },
		);
		const lookup = async (r: Any, count: number) => {
			for (let i = 0; i < count; i++)
				if (!(await r.peers.getById(peerId(pick(i, n))))) throw new Error(`${subject}: miss`);
		};
		add(w.mem, size, subject, await time(() => lookup(s, w.lookups), opts(n)), w.lookups, {
			...info,
			note: "peers.getById on the open storage (it has no load of all peers)",
		});
		if (kind === "memory") {
			na(w.cold, size, subject, "not persistent: a new instance starts empty", info);
			na(w.load, size, subject, "not persistent: a new instance starts empty", info);
			na(w.again, size, subject, "not persistent: a new instance starts empty", info);
			return;
		}
		na(w.load, size, subject, "no load of every peer: peers are read on demand", info);
		await s.driver.destroy?.();
		add(
			w.cold,
			size,
			subject,
			await time(async () => {
				const r = await mtcuteStore(kind, path());
				if (!(await r.authKeys.get(2))) throw new Error(`${subject}: no auth key`);
				await r.kv.get("dcs");
				for (const key of ["updates_pts", "updates_qts", "updates_date", "updates_seq"])
					await r.kv.get(key);
				await r.driver.destroy?.();
			}, opts(n)),
			1,
			{ ...info, note: "open + load + auth key, DCs and counters; peers are read on demand" },
		);
		add(
			w.again,
			size,
			subject,
			await time(async () => {
				const r = await mtcuteStore(kind, path());
				await lookup(r, w.reload);
				await r.driver.destroy?.();
			}, opts(n)),
			w.reload,
			{ ...info, note: "open + peers.getById per lookup" },
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
