import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, relative } from "node:path";
import type { CachedPeer } from "@x/session-core";
import { time } from "../lib.js";
import type { PeerModules } from "./peers.js";
import { add, NONE, na, type RowInfo } from "./rows.js";
import {
	ALL,
	type Any,
	AUTH_CHANGES,
	GRAM_BATCH,
	opts,
	peerId,
	pick,
	progress,
	tmp,
	type W,
	want,
} from "./settings.js";

/** GramJS StringSession and StoreSession at n peers, fed Api.User objects in batches. */
export async function gramjsAt(
	peer: PeerModules,
	gramKeys: Any[],
	n: number,
	size: string,
	w: W,
	peers: CachedPeer[],
): Promise<void> {
	const { Api, StringSession, bigInt } = peer;
	// GramJS: Api.User objects in batches (the conversion to them is not timed)
	const batch = Array.from(
		{ length: Math.min(n, GRAM_BATCH) },
		() => new Api.User({ id: bigInt(0), accessHash: bigInt(0), firstName: "u" }),
	);
	/** processEntities of all n users; returns the milliseconds spent inside it. */
	const feed = (s: Any): number => {
		let ms = 0;
		for (let at = 0; at < n; at += GRAM_BATCH) {
			const users = batch.slice(0, Math.min(GRAM_BATCH, n - at));
			users.forEach((u, i) => {
				const p = peers[at + i] as CachedPeer;
				u.id = bigInt(p.id.toString());
				u.accessHash = bigInt(p.accessHash.toString());
			});
			const t0 = performance.now();
			s.processEntities({ users, chats: [] });
			ms += performance.now() - t0;
		}
		return ms;
	};
	if (want("GramJS StringSession")) {
		const subject = "GramJS StringSession";
		const info: RowInfo = { role: "peer", durability: NONE };
		add(
			w.cache,
			size,
			subject,
			await time(() => feed(new StringSession("")), opts(n, { selfTimed: true })),
			n,
			{ ...info, note: "processEntities; entities stay in memory" },
		);
		na(
			w.full,
			size,
			subject,
			"cannot: save() writes the DC and auth key only, entities are not persisted",
			info,
		);
		const s = new StringSession("");
		feed(s);
		s.setDC(2, "149.154.167.51", 443);
		let k = 0;
		add(
			w.auth,
			size,
			subject,
			await time(() => {
				for (let i = 0; i < AUTH_CHANGES; i++) {
					s.setAuthKey(gramKeys[k++ % 2]);
					s.save();
				}
			}, opts(n)),
			AUTH_CHANGES,
			{
				role: "peer",
				durability: { rank: 0, label: "none: save() returns a string for the app to store" },
				note: "setAuthKey + save() per change",
			},
		);
		add(
			w.mem,
			size,
			subject,
			await time(
				() => {
					for (let i = 0; i < w.lookups; i++)
						if (!s.getInputEntity(peerId(pick(i, n)))) throw new Error("miss");
				},
				opts(n, { warmup: 0 }),
			),
			w.lookups,
			{ ...info, note: "getInputEntity on the live session (entities not persisted)" },
		);
		const text = s.save();
		add(
			w.cold,
			size,
			subject,
			await time(async () => {
				const r = new StringSession(text);
				await r.load();
			}, opts(n)),
			1,
			{
				...info,
				comparable: false,
				note: "a smaller job: the string holds one DC and its key, no peers",
			},
		);
		na(w.load, size, subject, "cannot: entities are not persisted in the string", info);
		na(
			w.again,
			size,
			subject,
			"cannot: entities are not persisted, nothing to look up after a reload",
			info,
		);
	}
	progress(`GramJS StringSession, ${size}`);
	await storeSession(peer, gramKeys, n, size, w, feed, peers);
	progress(`GramJS StoreSession, ${size}`);
}

/** GramJS StoreSession: node-localstorage, a file per key written without fsync. */
async function storeSession(
	peer: PeerModules,
	gramKeys: Any[],
	n: number,
	size: string,
	w: W,
	feed: (s: Any) => number,
	peers: CachedPeer[],
): Promise<void> {
	const { Api, StoreSession, bigInt, gramjsSessionsPath } = peer;
	const subject = "GramJS StoreSession";
	if (!want(subject)) return;
	const info: RowInfo = {
		role: "peer",
		durability: { rank: 1, label: "a file per entity, no fsync" },
	};
	const dir = tmp();
	// StoreSession keeps its files under ./<name>, and <name> prefixes every key: a relative name
	const name = (leaf: string) => relative(process.cwd(), join(dir, leaf));
	try {
		// node-localstorage refuses writes past its quota (5 MiB): how many of our users fit?
		// (a hundred of our users' hashes, under other ids, as the rows' average size)
		const probe = new StoreSession(name("probe"));
		const sample = peers.slice(0, 100).map(
			(p, i) =>
				new Api.User({
					id: bigInt(peerId(n + i)),
					accessHash: bigInt(p.accessHash.toString()),
					firstName: "u",
				}),
		);
		probe.processEntities({ users: sample, chats: [] });
		const area = probe.store._area;
		const perUser = Math.ceil(Number(area._bytesInUse) / sample.length);
		const capacity = Math.floor(Number(area.quota) / perUser);
		if (n > capacity) {
			const why = `cannot hold ${n.toLocaleString("en")} users: node-localstorage's ${(Number(area.quota) / 2 ** 20).toFixed(0)} MiB quota fits about ${capacity.toLocaleString("en")} (${perUser} B each)`;
			for (const k of ALL) na(w[k] as string, size, subject, why, info);
			return;
		}
		let runNo = 0;
		const cache = await time(
			async () => {
				const t0 = performance.now();
				const s = new StoreSession(name(`c${runNo++}`));
				await s.load();
				return performance.now() - t0 + feed(s);
			},
			opts(n, { selfTimed: true, warmup: 0 }),
		);
		add(w.cache, size, subject, cache, n, { ...info, note: "processEntities into a new store" });
		na(
			w.full,
			size,
			subject,
			"cannot: no whole-session save; it writes each entity as it arrives (the cachePeers row)",
			info,
		);
		const main = name(`c${runNo - 1}`);
		const s = new StoreSession(main);
		await s.load();
		s.setDC(2, "149.154.167.51", 443);
		let k = 0;
		add(
			w.auth,
			size,
			subject,
			await time(() => {
				for (let i = 0; i < AUTH_CHANGES; i++) {
					s.authKey = gramKeys[k++ % 2];
					s.save();
				}
			}, opts(n)),
			AUTH_CHANGES,
			{ ...info, note: "authKey setter (writes its file) + save() per change" },
		);
		na(w.mem, size, subject, "it reads each entity's file on lookup: see the reload row", info);
		// a reopen in this process would reuse node-localstorage's cached instance: a new process
		// reads the store from disk, timed inside it (Node's start and require are left out)
		const child = (lookups: number): number => {
			const script = `
const { StoreSession } = require(${JSON.stringify(gramjsSessionsPath)});
(async () => {
const t0 = performance.now();
const s = new StoreSession(${JSON.stringify(main)});
await s.load();
if (!s.authKey) throw new Error("no auth key after load");
for (let i = 0; i < ${lookups}; i++) s.getInputEntity(${peerId(0)} + ((i * 7919) % ${n}));
process.stdout.write(String(performance.now() - t0));
})();`;
			return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
		};
		add(
			w.cold,
			size,
			subject,
			await time(() => child(0), opts(n, { selfTimed: true, warmup: 0 })),
			1,
			{ ...info, note: "a new process: new StoreSession + load() (lists the store's files)" },
		);
		na(
			w.load,
			size,
			subject,
			"its load() is the cold-start row: entities are read on demand",
			info,
		);
		add(
			w.again,
			size,
			subject,
			await time(() => child(w.reload), opts(n, { selfTimed: true, warmup: 0 })),
			w.reload,
			{ ...info, note: "a new process: load(), then getInputEntity per lookup" },
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
