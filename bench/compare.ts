// Side by side with the peers: our backends, GramJS (StringSession, StoreSession) and mtcute
// (MemoryStorage, SqliteStorage) on the same generated data, plus the physical floors.
// `pnpm bench compare` (installs the peers into bench/peers with npm ci on first use).
// XS_COMPARE_SIZES=1000,100000,1000000 picks the peer counts; XS_COMPARE_SERVERS=0 leaves out
// Redis and PostgreSQL; XS_COMPARE_SUBJECTS=<substring>,... keeps the subjects (and floors) whose
// name holds one of them; XS_BENCH_RESULTS=<dir> writes the results elsewhere (a trial run).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
	type CachedPeer,
	compactFromSession,
	type DcEntry,
	decodeCompactString,
	decodeSessionString,
	encodeCompactString,
	encodedSize,
	encodeNativeString,
	type PersistedSession,
	type SessionBackend,
} from "../packages/core/src/index.js";
import { sampleSession, testAuthKey, testPeers } from "../packages/core/src/testing/index.js";
import { FileSessionBackend } from "../packages/file/src/index.js";
import { LibsqlSessionBackend } from "../packages/libsql/src/index.js";
import { MemorySessionBackend } from "../packages/memory/src/index.js";
import { PostgresSessionBackend, postgresDriver } from "../packages/postgres/src/index.js";
import { RedisSessionBackend } from "../packages/redis/src/index.js";
import { SqliteSessionBackend } from "../packages/sqlite/src/index.js";
import {
	type Measurement,
	mtcutePlatform,
	mtcuteQuietLog,
	RESULTS_DIR,
	report,
	type TimeOptions,
	time,
} from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const peersDir = join(here, "peers");
const SIZES = (process.env.XS_COMPARE_SIZES ?? "1000,100000").split(",").map(Number);
const ONLY = process.env.XS_COMPARE_SUBJECTS?.split(",").filter(Boolean);
const want = (subject: string) => !ONLY || ONLY.some((s) => subject.includes(s));
const FLOOD = 10_000;
/** Point lookups after a reload: as many as there are peers, at most the 100k. */
const RELOAD_LOOKUPS = 100_000;
/** Durable auth-key changes per run. */
const AUTH_CHANGES = 200;
/** A row stops repeating once its runs took this long, after at least 3 runs (see lib.ts time()). */
const BUDGET_MS = 5000;
/** GramJS gets its users in batches of this many Api.User objects (1M of them would need 3 GB). */
const GRAM_BATCH = 10_000;
const TARGET = 2;
const FLOOR_TARGET = 1.3;
const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// biome-ignore lint/suspicious/noExplicitAny: the peers' objects, loaded at run time
type Any = any;

function peersInstalled(): void {
	if (!existsSync(join(peersDir, "node_modules", "telegram"))) {
		console.error(
			"[bench] installing the peers (telegram, @mtcute/node) into bench/peers with npm ci",
		);
		// `npm ci`: exactly bench/peers/package-lock.json, never a newer version in range
		execFileSync("npm", ["ci", "--no-audit", "--no-fund"], {
			cwd: peersDir,
			stdio: "inherit",
		});
	}
	// npm 11 leaves install scripts unrun unless approved: better-sqlite3 (mtcute's SqliteStorage) then has no addon
	const addon = join(peersDir, "node_modules", "better-sqlite3", "build", "Release");
	if (!existsSync(join(addon, "better_sqlite3.node"))) {
		console.error("[bench] building better-sqlite3 for mtcute's SqliteStorage (npm rebuild)");
		execFileSync("npm", ["rebuild", "better-sqlite3"], { cwd: peersDir, stdio: "inherit" });
	}
}
const peerModule = (path: string) =>
	import(pathToFileURL(join(peersDir, "node_modules", path)).href);

/** What survives: 0 nothing past the process, 1 a crash of the process, 2 a power loss. */
interface Durability {
	rank: 0 | 1 | 2;
	label: string;
}
const RANK_NAME = ["none", "a process crash", "a power loss (fsync)"] as const;
const NONE: Durability = { rank: 0, label: "none (memory)" };

/** Ours, opened fresh on a new location for each measurement. */
interface Ours {
	name: string;
	durability: Durability;
	maxPeers?: number;
	/** The floor a durable write of this store is held against. */
	floor?: "file" | "sqlite";
	open(dir: string): Promise<SessionBackend>;
}

async function redisClient(): Promise<Any> {
	const { Redis } = await import(
		pathToFileURL(
			join(here, "..", "packages", "redis", "node_modules", "ioredis", "built", "index.js"),
		).href
	);
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

async function ours(): Promise<Ours[]> {
	const list: Ours[] = [
		{ name: "x-session memory", durability: NONE, open: async () => new MemorySessionBackend() },
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
		},
		{
			name: "x-session sqlite (synchronous: normal)",
			durability: { rank: 1, label: "WAL, NORMAL" },
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

/** What the target check needs to know about a row. */
interface Meta {
	role: "ours" | "peer" | "floor";
	durability: Durability;
	/** Rows that compare workloads side by side: one per workload and size. */
	group: string;
	/** False when the row does a smaller job (e.g. a string without the peers): kept out of the targets. */
	comparable: boolean;
	floor?: "file" | "sqlite";
}
const rows: Measurement[] = [];
const meta = new Map<Measurement, Meta>();
interface RowInfo {
	role: Meta["role"];
	durability: Durability;
	note?: string;
	comparable?: boolean;
	floor?: "file" | "sqlite";
	group?: string;
}
const push = (row: Measurement, info: RowInfo) => {
	if (!want(row.subject)) return;
	rows.push(row);
	meta.set(row, {
		role: info.role,
		durability: info.durability,
		group: info.group ?? `${row.name}, ${row.size}`,
		comparable: info.comparable ?? true,
		...(info.floor ? { floor: info.floor } : {}),
	});
};
const add = (
	name: string,
	size: string,
	subject: string,
	t: Awaited<ReturnType<typeof time>>,
	ops: number,
	info: RowInfo,
) =>
	push(
		{
			name,
			size,
			subject,
			...t,
			extra: {
				"ops/s": (ops / t.medianMs) * 1000,
				runs: String(t.runs),
				durability: info.durability.label,
				note: info.note ?? "",
			},
		},
		info,
	);
const na = (name: string, size: string, subject: string, why: string, info: RowInfo) =>
	push(
		{
			name,
			size,
			subject,
			medianMs: Number.NaN,
			minMs: Number.NaN,
			maxMs: Number.NaN,
			runs: 0,
			extra: { "ops/s": "", runs: "0", durability: info.durability.label, note: why },
		},
		{ ...info, comparable: false },
	);
const tmp = () => mkdtempSync(join(tmpdir(), "xs-cmp-"));
const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** Progress on stderr, with the process's peak RSS so far (which subject needed the memory). */
const progress = (what: string) =>
	console.error(`[bench] compare: ${what} done, peak RSS ${peakMiB()} MiB`);

async function cleanupOurs(o: Ours, dir: string, b: SessionBackend): Promise<void> {
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

/** Workload names, one set per size. */
function workloads(n: number) {
	const lookups = Math.min(n, 2000);
	const reload = Math.min(n, RELOAD_LOOKUPS);
	return {
		lookups,
		reload,
		cache: "cachePeers, durable",
		full: "full save (whole session), durable",
		auth: `auth-key write ×${AUTH_CHANGES}, each durable`,
		cold: "cold load (open + load)",
		mem: `${lookups} lookups on the open store, each awaited`,
		again: `reload + ${reload} lookups, each awaited`,
	};
}
type W = ReturnType<typeof workloads>;
const ALL: (keyof W)[] = ["cache", "full", "auth", "mem", "cold", "again"];
/** The i-th lookup of a run, over every peer in turn (7919 is prime: a permutation of 0..n-1). */
const pick = (i: number, n: number) => (i * 7919) % n;
const peerId = (i: number) => 1_000_000 + i;

/** n distinct users: the seeded hashes of testPeers, ids 1 000 000 + i. */
function usersOf(n: number): CachedPeer[] {
	return testPeers(n, 11).map((p, i) => ({
		kind: "user" as const,
		id: BigInt(peerId(i)),
		accessHash: p.accessHash,
		channelKind: null,
	}));
}

const opts = (n: number, extra: TimeOptions = {}): TimeOptions => ({
	runs: 7,
	minRuns: 3,
	budgetMs: BUDGET_MS,
	warmup: n > 10_000 ? 0 : 1,
	...extra,
});

async function runOurs(o: Ours, n: number, w: W, peers: CachedPeer[], full: PersistedSession) {
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
				const s = await r.load();
				if (s?.peers.length !== n) throw new Error(`${o.name}: cold load found no session`);
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

export async function run(): Promise<void> {
	const started = performance.now();
	const load0 = loadavg();
	peersInstalled();
	const { Api } = await peerModule("telegram/index.js");
	const { StringSession, StoreSession } = await peerModule("telegram/sessions/index.js");
	const { AuthKey } = await peerModule("telegram/crypto/AuthKey.js");
	const bigInt = (await peerModule("big-integer/BigInteger.js")).default;
	const mtcore = await peerModule("@mtcute/core/index.js");
	const mtnode = await peerModule("@mtcute/node/index.js");
	const log = mtcuteQuietLog;
	const platform = mtcutePlatform;
	const mtcute = async (kind: "memory" | "sqlite", dir: string) => {
		mkdirSync(dir, { recursive: true });
		const s =
			kind === "memory"
				? new mtcore.MemoryStorage()
				: new mtnode.SqliteStorage(join(dir, "m.session"));
		s.driver.setup?.(log, platform);
		await s.driver.load?.();
		return s;
	};
	const mtPeer = (p: CachedPeer) => ({
		id: p.kind === "user" ? Number(p.id) : -Number(p.id),
		accessHash: `${p.accessHash & 0xffffffffn}|${p.accessHash >> 32n}`,
		isMin: false,
		usernames: [],
		updated: Date.now(),
		phone: undefined,
		complete: new Uint8Array(64),
	});
	const keyBytes = [testAuthKey(101).expose(), testAuthKey(102).expose()];
	const gramKeys: Any[] = [];
	for (const bytes of keyBytes) {
		const k = new AuthKey();
		await k.setKey(Buffer.from(bytes));
		gramKeys.push(k);
	}
	const ourList = (await ours()).filter((o) => want(o.name));

	for (const n of SIZES) {
		const size = `${n.toLocaleString("en")} peers`;
		const w = workloads(n);
		const peers = usersOf(n);
		const full: PersistedSession = { ...sampleSession(), peers };

		for (const o of ourList) {
			await runOurs(o, n, w, peers, full);
			progress(`${o.name}, ${size}`);
		}

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
			na(
				w.again,
				size,
				subject,
				"cannot: entities are not persisted, nothing to look up after a reload",
				info,
			);
		}
		progress(`GramJS StringSession, ${size}`);
		await storeSession(n, size, w, feed, peers);
		progress(`GramJS StoreSession, ${size}`);
		for (const kind of ["memory", "sqlite"] as const) {
			await mtcuteAt(kind, n, size, w, peers);
			progress(`mtcute ${kind}, ${size}`);
		}
		if (want("floor")) await floorsAt(n, size, w, full);
	}

	/** GramJS StoreSession: node-localstorage, a file per key written without fsync. */
	async function storeSession(
		n: number,
		size: string,
		w: W,
		feed: (s: Any) => number,
		peers: CachedPeer[],
	): Promise<void> {
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
const { StoreSession } = require(${JSON.stringify(join(peersDir, "node_modules", "telegram", "sessions", "index.js"))});
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

	/** mtcute MemoryStorage / SqliteStorage through the repositories its client uses. */
	async function mtcuteAt(
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
					const s = await mtcute(kind, path());
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
			const s = await mtcute(kind, path());
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
				na(w.again, size, subject, "not persistent: a new instance starts empty", info);
				return;
			}
			await s.driver.destroy?.();
			add(
				w.cold,
				size,
				subject,
				await time(async () => {
					const r = await mtcute(kind, path());
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
					const r = await mtcute(kind, path());
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
	await flood();
	await strings();

	const took = (performance.now() - started) / 1000;
	report("compare", rows, [
		"Same generated users (seeded hashes, ids 1 000 000 + i, all distinct) for every store. Durability: what survives once the call returned: none, a crash of the process (written to the OS or a server, no fsync), a power loss (fsync). Redis and PostgreSQL are classified from their configuration at run time, mtcute's SqliteStorage from its connection's PRAGMA synchronous. 'durable' in a workload name means the strongest durability the store itself offers.",
		`Cold load: open a stored session (n peers, DCs with keys, update state) and read what a client starts with; ours read it all with load(), mtcute reads peers on demand. Full save: the whole session written once. Auth-key write: ${AUTH_CHANGES} auth-key changes, each made durable before the next. Reload + lookups: open the same store again and look up min(n, ${RELOAD_LOOKUPS.toLocaleString("en")}) peers one by one, awaiting each. Lookups on the open store: min(n, 2000) through each store's own lookup call, on the store the writes left open (no load).`,
		`Repeats: every row runs 3 to 7 times (the runs column): it stops after 3 once its runs took ${BUDGET_MS / 1000} s. One warm-up run first at up to 10k peers, none above. GramJS gets its users in batches of ${GRAM_BATCH.toLocaleString("en")} Api.User objects, the batch preparation untimed.`,
		"n/a rows say why a store cannot do a workload instead of leaving a gap.",
		"",
		"### Targets (computed from this run)",
		"",
		...targets(),
		"",
		`Load average before / after: ${load0.map((v) => v.toFixed(1)).join(" / ")} → ${loadavg()
			.map((v) => v.toFixed(1))
			.join(
				" / ",
			)}; peak RSS ${peakMiB()} MiB; ${took.toFixed(0)} s in all for sizes ${SIZES.join(", ")}.`,
	]);
	writeFileSync(join(RESULTS_DIR, "compare.svg"), chart(rows));
}

/** Floors for a full save of n peers and for one durable auth-key change. */
async function floorsAt(n: number, size: string, w: W, full: PersistedSession): Promise<void> {
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

async function sqliteFloorDb(path: string): Promise<Any> {
	const Database = (
		await import(
			pathToFileURL(
				join(here, "..", "packages", "sqlite", "node_modules", "better-sqlite3", "lib", "index.js"),
			).href
		)
	).default;
	const db = new Database(path);
	db.pragma("journal_mode = WAL");
	db.pragma("synchronous = FULL");
	return db;
}

/** A flood of update-state changes, each made durable where the store offers it. */
async function flood(): Promise<void> {
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
		add(name, `${count} changes`, o.name, t, count, { role: "ours", durability, group });
		await cleanupOurs(o, dir, b);
	}
	na(name, `${FLOOD} changes`, "GramJS (any session)", "GramJS stores no update state", {
		role: "peer",
		durability: NONE,
		group,
	});
	const mtcore = await peerModule("@mtcute/core/index.js");
	const mtnode = await peerModule("@mtcute/node/index.js");
	const log = mtcuteQuietLog;
	for (const kind of ["memory", "sqlite"] as const) {
		if (!want(`mtcute ${kind === "memory" ? "MemoryStorage" : "SqliteStorage"}`)) continue;
		const dir = tmp();
		const s =
			kind === "memory"
				? new mtcore.MemoryStorage()
				: new mtnode.SqliteStorage(join(dir, "m.session"));
		s.driver.setup?.(log, { beforeExit: () => () => {} });
		await s.driver.load?.();
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
	db.close();
	rmSync(dir, { recursive: true, force: true });
}

/** String export / import of a logged-in session. */
async function strings(): Promise<void> {
	const mtutils = await peerModule("@mtcute/core/utils.js");
	const { StringSession } = await peerModule("telegram/sessions/index.js");
	const { AuthKey } = await peerModule("telegram/crypto/AuthKey.js");
	const name = "string export + import";
	const session = { ...sampleSession(), peers: [] };
	const compact = compactFromSession(session, 123456789n);
	if (!compact) throw new Error("no compact form");
	const N = 5000;
	const size = `${N} round trips`;
	const info = (role: Meta["role"], comparable = true): RowInfo => ({
		role,
		durability: { rank: 0, label: "none: a string for the app to store" },
		comparable,
	});
	const key = session.dcs.find((d) => d.authKey)?.authKey?.expose() as Uint8Array;
	const our = await time(() => {
		for (let i = 0; i < N; i++) decodeSessionString(encodeNativeString(session));
	});
	add(name, size, "x-session native string (all DCs, state, token)", our, N, info("ours"));
	const ourCompact = await time(() => {
		for (let i = 0; i < N; i++) decodeCompactString(encodeCompactString(compact));
	});
	add(name, size, "x-session compact string (one DC)", ourCompact, N, info("ours"));
	const k = new AuthKey();
	await k.setKey(Buffer.from(key));
	const gram = await time(async () => {
		for (let i = 0; i < N; i++) {
			const s = new StringSession("");
			s.setDC(2, "149.154.167.51", 443);
			s.setAuthKey(k);
			const text = s.save();
			const back = new StringSession(text);
			await back.load();
		}
	});
	add(name, size, "GramJS StringSession (one DC)", gram, N, info("peer"));
	const mt = await time(() => {
		for (let i = 0; i < N; i++) {
			const text = mtutils.writeStringSession({
				version: 3,
				primaryDcs: {
					main: { id: 2, ipAddress: "149.154.167.51", port: 443 },
					media: { id: 2, ipAddress: "149.154.167.51", port: 443 },
				},
				self: null,
				authKey: key,
			});
			mtutils.readStringSession(text);
		}
	});
	add(name, size, "mtcute string session (main + media DC)", mt, N, info("peer"));
}

const opsOf = (r: Measurement) => Number(r.extra?.["ops/s"]);
const fmtOps = (v: number) =>
	v >= 100 ? Math.round(v).toLocaleString("en") : v.toPrecision(3).replace(/\.?0+$/, "");

/**
 * For every workload: at each durability a peer offers, our best store at that durability or a
 * stronger one against the best peer there (target: at least TARGET times its ops/s); and each
 * durable store of ours with a floor against that floor (target: within FLOOR_TARGET of it).
 */
function targets(): string[] {
	const lines: string[] = [];
	const groups = new Map<string, Measurement[]>();
	for (const r of rows) {
		const g = meta.get(r)?.group as string;
		groups.set(g, [...(groups.get(g) ?? []), r]);
	}
	const best = (list: Measurement[]) =>
		list.reduce<Measurement | undefined>((a, r) => (a && opsOf(a) >= opsOf(r) ? a : r), undefined);
	for (const [group, list] of groups) {
		const ok = list.filter((r) => meta.get(r)?.comparable && Number.isFinite(opsOf(r)));
		const of = (role: Meta["role"]) => ok.filter((r) => meta.get(r)?.role === role);
		const peerRanks = [...new Set(of("peer").map((r) => meta.get(r)?.durability.rank ?? 0))].sort();
		const out: string[] = [];
		for (const rank of peerRanks) {
			const peer = best(of("peer").filter((r) => meta.get(r)?.durability.rank === rank));
			const mine = best(of("ours").filter((r) => (meta.get(r)?.durability.rank ?? 0) >= rank));
			if (!peer) continue;
			const surviving = rank === 0 ? "in memory" : `surviving ${RANK_NAME[rank]}`;
			if (!mine) {
				out.push(
					`${surviving}: no store of ours ran; best peer ${peer.subject} ${fmtOps(opsOf(peer))}/s`,
				);
				continue;
			}
			const ratio = opsOf(mine) / opsOf(peer);
			out.push(
				`${surviving}: ${mine.subject} ${fmtOps(opsOf(mine))}/s vs ${peer.subject} ${fmtOps(opsOf(peer))}/s = ${ratio.toFixed(2)}x, ${ratio >= TARGET ? "met" : "**not met**"}`,
			);
		}
		if (peerRanks.length === 0) {
			const why = list
				.filter((r) => meta.get(r)?.role === "peer")
				.map((r) => `${r.subject}: ${r.extra?.note || "not comparable"}`);
			out.push(`no peer does this comparably (${why.join("; ") || "no peer row"}): no target`);
		}
		for (const r of of("ours")) {
			const m = meta.get(r);
			if (!m?.floor || m.durability.rank < 2 || !/save|auth-key/.test(group)) continue;
			const floor = of("floor").find((f) => meta.get(f)?.floor === m.floor);
			if (!floor) continue;
			// fastest run against fastest run: a floor is a best case, and the machine is shared
			const ratio = r.minMs / floor.minMs;
			out.push(
				`${r.subject} takes ${ratio.toFixed(2)}x the ${m.floor} floor's time (fastest runs), ${ratio <= FLOOR_TARGET ? "within" : "**not within**"} ${FLOOR_TARGET}x`,
			);
		}
		lines.push(`- ${group}: ${out.join("; ")}.`);
	}
	return lines;
}

/** One horizontal bar chart per workload, ops/s on a log scale. */
function chart(all: Measurement[]): string {
	const groups = new Map<string, Measurement[]>();
	for (const r of all) {
		const ops = Number(r.extra?.["ops/s"]);
		if (!Number.isFinite(ops) || r.extra?.["ops/s"] === "") continue;
		const key = `${r.name} (${r.size})`;
		groups.set(key, [...(groups.get(key) ?? []), r]);
	}
	const width = 900;
	const bar = 16;
	let y = 30;
	const parts: string[] = [];
	const max = Math.max(...all.map((r) => Number(r.extra?.["ops/s"]) || 1));
	const scale = (v: number) => (Math.log10(Math.max(v, 1)) / Math.log10(max)) * (width - 420);
	const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
	for (const [title, list] of groups) {
		parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(title)}</text>`);
		y += 8;
		for (const r of list.sort((a, b) => Number(b.extra?.["ops/s"]) - Number(a.extra?.["ops/s"]))) {
			const ops = Number(r.extra?.["ops/s"]);
			const ours = r.subject.startsWith("x-session");
			const floor = r.subject.startsWith("floor");
			parts.push(
				`<text x="10" y="${y + 12}" font-size="11">${esc(r.subject.slice(0, 58))}</text>`,
				`<rect x="380" y="${y}" width="${scale(ops).toFixed(1)}" height="${bar - 3}" fill="${floor ? "#999" : ours ? "#2a7ae2" : "#e2872a"}"/>`,
				`<text x="${(385 + scale(ops)).toFixed(1)}" y="${y + 12}" font-size="11">${Math.round(ops).toLocaleString("en")}/s</text>`,
			);
			y += bar;
		}
		y += 18;
	}
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="10" y="16" font-size="13">ops/s, log scale: x-session (blue), peers (orange), floors (grey)</text>${parts.join("")}</svg>\n`;
}
