import { rmSync } from "node:fs";
import { join } from "node:path";
import type { CachedPeer, DcEntry, PersistedSession, SessionBackend } from "@x/session-core";
import { testAuthKey } from "@x/session-core/testing";
import { FileSessionBackend } from "@x/session-file";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { MemorySessionBackend } from "@x/session-memory";
import { PostgresSessionBackend, postgresDriver } from "@x/session-postgres";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { Redis } from "ioredis";
import { time } from "../lib.js";
import { add, type Durability, type FloorKind, NONE, na, type RowInfo } from "./rows.js";
import {
	ALL,
	type Any,
	AUTH_CHANGES,
	opts,
	PG_URL,
	peerId,
	pick,
	tmp,
	type W,
} from "./settings.js";

// Our backends: how each is opened, how durable it is, and the workloads run on it.

/** Ours, opened fresh on a new location for each measurement. */
export interface Ours {
	name: string;
	durability: Durability;
	maxPeers?: number;
	/** The floor this store is held against, at its durability (see bounds.ts). */
	floor?: FloorKind;
	open(dir: string): Promise<SessionBackend>;
	/** The same store opened without the single-writer lease: what bounds the cold start. */
	openUnlocked?(dir: string): Promise<SessionBackend>;
}

async function redisClient(): Promise<Any> {
	const client = new Redis({ lazyConnect: true });
	await client.connect();
	return client;
}

/** Redis durability as the server is configured now (AOF and its fsync policy). */
async function redisDurability(): Promise<Durability> {
	const c = await redisClient();
	const [, aof] = (await c.config("GET", "appendonly")) as string[];
	const [, fsync] = (await c.config("GET", "appendfsync")) as string[];
	await c.quit();
	if (aof === "yes" && fsync === "always") return { rank: 2, label: "AOF, appendfsync always" };
	if (aof === "yes") return { rank: 1, label: `AOF, appendfsync ${fsync}` };
	return { rank: 1, label: "server memory (no AOF): survives our process, not the server's" };
}

/** PostgreSQL durability as the server is configured now. */
async function postgresDurability(): Promise<Durability> {
	const d = postgresDriver({ connectionString: PG_URL });
	const sync = String(Object.values((await d.all("SHOW synchronous_commit"))[0] ?? {})[0] ?? "?");
	const fsync = String(Object.values((await d.all("SHOW fsync"))[0] ?? {})[0] ?? "?");
	await d.close?.();
	const label = `synchronous_commit ${sync}, fsync ${fsync}`;
	return { rank: sync !== "off" && fsync === "on" ? 2 : 1, label };
}

export async function ours(): Promise<Ours[]> {
	const list: Ours[] = [
		{
			name: "x-session memory",
			durability: NONE,
			floor: "memory",
			open: async () => new MemorySessionBackend(),
		},
		{
			name: "x-session file",
			durability: { rank: 2, label: "fsync on flush (coalesced)" },
			maxPeers: 65_535,
			floor: "file",
			open: (dir) =>
				FileSessionBackend.open({ path: join(dir, "s.session"), flushInterval: 60_000 }),
		},
		{
			name: "x-session sqlite",
			durability: { rank: 2, label: "WAL, FULL: fsync per commit" },
			floor: "sqlite",
			open: (dir) => SqliteSessionBackend.open({ database: join(dir, "s.db") }),
			openUnlocked: (dir) =>
				SqliteSessionBackend.open({ database: join(dir, "s.db"), lock: false }),
		},
		{
			name: "x-session sqlite (synchronous: normal)",
			durability: { rank: 1, label: "WAL, NORMAL" },
			floor: "sqlite",
			open: (dir) =>
				SqliteSessionBackend.open({ database: join(dir, "n.db"), synchronous: "normal" }),
		},
		{
			name: "x-session libsql (local)",
			durability: { rank: 2, label: "WAL, FULL: fsync per commit" },
			floor: "sqlite",
			open: (dir) => LibsqlSessionBackend.open({ url: `file:${join(dir, "l.db")}` }),
		},
	];
	if (process.env.XS_COMPARE_SERVERS !== "0") {
		list.push({
			name: "x-session redis",
			durability: await redisDurability(),
			open: async (dir) =>
				RedisSessionBackend.open({
					client: await redisClient(),
					prefix: `xs-bench-${dir.slice(-6)}`,
					closeClient: true,
				}),
		});
		list.push({
			name: "x-session postgres",
			durability: await postgresDurability(),
			open: (dir) =>
				PostgresSessionBackend.open({
					connectionString: PG_URL,
					schema: `xs_cmp_${dir.slice(-6).replace(/[^a-z0-9]/gi, "")}`,
				}),
		});
	}
	return list;
}

export async function cleanupOurs(o: Ours, dir: string, b: SessionBackend): Promise<void> {
	await b.delete().catch(() => undefined);
	await b.close().catch(() => undefined);
	if (o.name.includes("postgres")) {
		const d = postgresDriver({ connectionString: PG_URL });
		await d.run(
			`DROP SCHEMA IF EXISTS "xs_cmp_${dir.slice(-6).replace(/[^a-z0-9]/gi, "")}" CASCADE`,
		);
		await d.close?.();
	}
	rmSync(dir, { recursive: true, force: true });
}

export async function runOurs(
	o: Ours,
	n: number,
	w: W,
	peers: CachedPeer[],
	full: PersistedSession,
) {
	const size = `${n.toLocaleString("en")} peers`;
	const info: RowInfo = {
		role: "ours",
		durability: o.durability,
		...(o.floor ? { floor: o.floor } : {}),
	};
	if (o.maxPeers !== undefined && n > o.maxPeers) {
		for (const k of ALL)
			na(w[k] as string, size, o.name, `v8 files hold at most ${o.maxPeers} peers`, info);
		return;
	}
	const dir = tmp();
	const b = await o.open(dir);
	let last = b;
	try {
		add(
			w.cache,
			size,
			o.name,
			await time(
				async () => {
					await b.cachePeers(peers);
					await b.flush();
				},
				opts(n, { before: () => b.delete() }),
			),
			n,
			info,
		);
		add(
			w.full,
			size,
			o.name,
			await time(async () => {
				await b.save(full);
				await b.flush();
			}, opts(n)),
			1,
			info,
		);
		const dc = full.dcs.find((d) => d.dcId === 2 && d.authKey) as DcEntry;
		const keys = [testAuthKey(101), testAuthKey(102)];
		let k = 0;
		add(
			w.auth,
			size,
			o.name,
			await time(async () => {
				for (let i = 0; i < AUTH_CHANGES; i++) {
					await b.updateDc({ ...dc, authKey: keys[k++ % 2] ?? null });
					await b.flush();
				}
			}, opts(n)),
			AUTH_CHANGES,
			{ ...info, note: "updateDc + flush per change" },
		);
		add(
			w.mem,
			size,
			o.name,
			await time(async () => {
				for (let i = 0; i < w.lookups; i++)
					if (!(await b.getPeer("user", BigInt(peerId(pick(i, n))))))
						throw new Error(`${o.name}: lookup missed`);
			}, opts(n)),
			w.lookups,
			{ ...info, note: "getPeer on the open backend (the load is the cold-load row)" },
		);
		if (!b.capabilities.persistent) {
			na(w.cold, size, o.name, "not persistent: a new instance starts empty", info);
			na(w.load, size, o.name, "not persistent: a new instance starts empty", info);
			na(w.again, size, o.name, "not persistent: a new instance starts empty", info);
			return;
		}
		await b.close();
		add(
			w.cold,
			size,
			o.name,
			await time(async () => {
				const r = await o.open(dir);
				const s = await r.load({ peers: false });
				if (!s?.dcs.some((dc) => dc.authKey) || s.peers.length !== 0)
					throw new Error(`${o.name}: cold start found no session`);
				await r.close();
			}, opts(n)),
			1,
			{
				...info,
				note: `${
					b.capabilities.nativeLookups
						? "open + load({ peers: false }): DCs and keys, state, extensions; peers by lookup"
						: "open + load({ peers: false }): the whole file is read, the peers dropped"
				}${b.capabilities.locking ? "; open takes and close releases the single-writer lease (a write each)" : ""}`,
			},
		);
		const unlocked = o.openUnlocked;
		if (unlocked)
			add(
				w.cold,
				size,
				`${o.name} (lock: false)`,
				await time(async () => {
					const r = await unlocked(dir);
					if (!(await r.load({ peers: false }))) throw new Error(`${o.name}: no session`);
					await r.close();
				}, opts(n)),
				1,
				{
					...info,
					comparable: false,
					note: "the bound of the row above: the same open and load without taking the lease (mtcute takes none)",
				},
			);
		add(
			w.load,
			size,
			o.name,
			await time(async () => {
				const r = await o.open(dir);
				const s = await r.load();
				if (s?.peers.length !== n) throw new Error(`${o.name}: full load found no session`);
				await r.close();
			}, opts(n)),
			1,
			{ ...info, note: "open + load(): every DC, the state and all peers" },
		);
		add(
			w.again,
			size,
			o.name,
			await time(async () => {
				const r = await o.open(dir);
				for (let i = 0; i < w.reload; i++)
					if (!(await r.getPeer("user", BigInt(peerId(pick(i, n))))))
						throw new Error(`${o.name}: lookup missed`);
				await r.close();
			}, opts(n)),
			w.reload,
			{
				...info,
				note: b.capabilities.nativeLookups
					? "open + getPeer per lookup (a point query)"
					: "open + getPeer per lookup (the file is read once, then searched in memory)",
			},
		);
		last = await o.open(dir);
	} finally {
		await cleanupOurs(o, dir, last);
	}
}
