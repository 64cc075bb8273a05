// Side by side with the peers: our backends, GramJS (StringSession, StoreSession) and mtcute
// (MemoryStorage, SqliteStorage) on the same generated data, plus the physical floors.
// `pnpm bench compare` (installs the peers into bench/peers with npm on first use).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
	type CachedPeer,
	compactFromSession,
	decodeCompactString,
	decodeSessionString,
	encodeCompactString,
	encodeNativeString,
	peerKey,
	type SessionBackend,
} from "../packages/core/src/index.js";
import { sampleSession, testPeers } from "../packages/core/src/testing/index.js";
import { FileSessionBackend } from "../packages/file/src/index.js";
import { LibsqlSessionBackend } from "../packages/libsql/src/index.js";
import { MemorySessionBackend } from "../packages/memory/src/index.js";
import { PostgresSessionBackend, postgresDriver } from "../packages/postgres/src/index.js";
import { RedisSessionBackend } from "../packages/redis/src/index.js";
import { SqliteSessionBackend } from "../packages/sqlite/src/index.js";
import { type Measurement, RESULTS_DIR, report, time } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const peersDir = join(here, "peers");
const SIZES = (process.env.XS_COMPARE_SIZES ?? "1000,100000").split(",").map(Number);
const FLOOD = 10_000;
const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function peersInstalled(): void {
	if (existsSync(join(peersDir, "node_modules", "telegram"))) return;
	console.error("[bench] installing the peers (telegram, @mtcute/node) into bench/peers with npm");
	execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: peersDir, stdio: "inherit" });
}
const peerModule = (path: string) =>
	import(pathToFileURL(join(peersDir, "node_modules", path)).href);

/** Ours, opened fresh on a new location for each measurement. */
interface Ours {
	name: string;
	durability: string;
	maxPeers?: number;
	open(dir: string): Promise<SessionBackend>;
}

function ours(): Ours[] {
	const list: Ours[] = [
		{ name: "x-session memory", durability: "none", open: async () => new MemorySessionBackend() },
		{
			name: "x-session file",
			durability: "fsync (coalesced, flushed)",
			maxPeers: 65_535,
			open: (dir) =>
				FileSessionBackend.open({ path: join(dir, "s.session"), flushInterval: 60_000 }),
		},
		{
			name: "x-session sqlite",
			durability: "fsync per commit",
			open: (dir) => SqliteSessionBackend.open({ database: join(dir, "s.db") }),
		},
		{
			name: "x-session sqlite (synchronous: normal)",
			durability: "WAL, NORMAL",
			open: (dir) =>
				SqliteSessionBackend.open({ database: join(dir, "n.db"), synchronous: "normal" }),
		},
		{
			name: "x-session libsql (local)",
			durability: "WAL, NORMAL",
			open: (dir) => LibsqlSessionBackend.open({ url: `file:${join(dir, "l.db")}` }),
		},
	];
	if (process.env.XS_COMPARE_SERVERS !== "0") {
		list.push({
			name: "x-session redis",
			durability: "server (appendfsync as configured)",
			open: async (dir) => {
				const { Redis } = await import(
					pathToFileURL(
						join(here, "..", "packages", "redis", "node_modules", "ioredis", "built", "index.js"),
					).href
				);
				const client = new Redis({ lazyConnect: true });
				await client.connect();
				const b = await RedisSessionBackend.open({
					client,
					prefix: `xs-bench-${dir.slice(-6)}`,
					closeClient: true,
				});
				return b;
			},
		});
		list.push({
			name: "x-session postgres",
			durability: "fsync per commit",
			open: (dir) =>
				PostgresSessionBackend.open({
					connectionString: PG_URL,
					schema: `xs_cmp_${dir.slice(-6).replace(/[^a-z0-9]/gi, "")}`,
				}),
		});
	}
	return list;
}

const rows: Measurement[] = [];
const add = (
	name: string,
	size: string,
	subject: string,
	t: Awaited<ReturnType<typeof time>>,
	ops: number,
) => rows.push({ name, size, subject, ...t, extra: { "ops/s": (ops / t.medianMs) * 1000 } });
const na = (name: string, size: string, subject: string, why: string) =>
	rows.push({
		name,
		size,
		subject,
		medianMs: Number.NaN,
		minMs: Number.NaN,
		maxMs: Number.NaN,
		runs: 0,
		extra: { note: why },
	});
const tmp = () => mkdtempSync(join(tmpdir(), "xs-cmp-"));

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

export async function run(): Promise<void> {
	peersInstalled();
	const { Api } = await peerModule("telegram/index.js");
	const { StringSession, StoreSession } = await peerModule("telegram/sessions/index.js");
	const bigInt = (await peerModule("big-integer/BigInteger.js")).default;
	const mtcore = await peerModule("@mtcute/core/index.js");
	const mtnode = await peerModule("@mtcute/node/index.js");
	const mtutils = await peerModule("@mtcute/core/utils.js");
	const log = {
		create: () => log,
		mgr: { level: 0 },
		debug() {},
		info() {},
		warn() {},
		error() {},
		verbose() {},
	};
	const platform = { beforeExit: () => () => {} };
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

	for (const n of SIZES) {
		const size = `${n.toLocaleString("en")} peers`;
		const peers = testPeers(n, 11).map((p) => ({ ...p, kind: "user" as const, channelKind: null }));
		const lookups = Math.min(n, 2000);
		const runs = n > 10_000 ? 3 : 7;

		// 1. cachePeers: N upserts made durable
		for (const o of ours()) {
			if (o.maxPeers !== undefined && n > o.maxPeers) {
				na("cachePeers, durable", size, o.name, `v8 files hold at most ${o.maxPeers} peers`);
				continue;
			}
			const dir = tmp();
			const b = await o.open(dir);
			const t = await time(
				async () => {
					await b.cachePeers(peers);
					await b.flush();
				},
				{ runs, before: () => b.delete() },
			);
			add("cachePeers, durable", size, o.name, t, n);
			// 2. reload + lookups
			const cold = await time(
				async () => {
					const s = await b.load();
					const index = new Map((s?.peers ?? []).map((p) => [peerKey(p.kind, p.id), p]));
					for (let i = 0; i < lookups; i++)
						index.get(peerKey("user", (peers[(i * 7919) % n] as CachedPeer).id));
				},
				{ runs },
			);
			add(`load + ${lookups} lookups`, size, o.name, cold, lookups);
			let last = b;
			if (b.capabilities.nativeLookups && b.capabilities.persistent) {
				// the same job as mtcute's row: reopen the store, then point queries (getPeer)
				await b.close();
				const point = await time(
					async () => {
						const r = await o.open(dir);
						for (let i = 0; i < lookups; i++)
							await r.getPeer("user", (peers[(i * 7919) % n] as CachedPeer).id);
						await r.close();
					},
					{ runs },
				);
				add(`reopen + ${lookups} point lookups`, size, o.name, point, lookups);
				last = await o.open(dir);
			}
			await cleanupOurs(o, dir, last);
		}
		const users = peers.map(
			(p) =>
				new Api.User({
					id: bigInt(p.id.toString()),
					accessHash: bigInt(p.accessHash.toString()),
					firstName: "u",
				}),
		);
		{
			const t = await time(() => new StringSession("").processEntities({ users, chats: [] }), {
				runs,
			});
			add("cachePeers, durable", size, "GramJS StringSession", t, n);
			const s = new StringSession("");
			s.processEntities({ users, chats: [] });
			const l = await time(
				() => {
					for (let i = 0; i < lookups; i++)
						s.getInputEntity(Number((peers[(i * 7919) % n] as CachedPeer).id));
				},
				{ runs: 1, warmup: 0 },
			);
			add(
				`load + ${lookups} lookups`,
				size,
				"GramJS StringSession (entities not persisted)",
				l,
				lookups,
			);
		}
		if (n <= 100_000) {
			const dir = tmp();
			const t = await time(
				async () => {
					const s = new StoreSession(join(dir, `g${Math.random()}`));
					await s.load();
					s.processEntities({ users, chats: [] });
				},
				{ runs: 1, warmup: 0 },
			);
			add("cachePeers, durable", size, "GramJS StoreSession (a file per peer, no fsync)", t, n);
			const s0 = new StoreSession(join(dir, "lk"));
			await s0.load();
			s0.processEntities({ users: users.slice(0, Math.min(n, 5000)), chats: [] });
			const l = await time(
				async () => {
					const s = new StoreSession(join(dir, "lk"));
					await s.load();
					for (let i = 0; i < lookups; i++) {
						try {
							s.getInputEntity(Number((peers[(i * 7919) % Math.min(n, 5000)] as CachedPeer).id));
						} catch {}
					}
				},
				{ runs: 1, warmup: 0 },
			);
			add(`load + ${lookups} lookups`, size, "GramJS StoreSession", l, lookups);
			rmSync(dir, { recursive: true, force: true });
			// StoreSession keeps its files under ./<name> even for an absolute name
			rmSync(join(process.cwd(), relative("/", dir)), { recursive: true, force: true });
			const parent = join(process.cwd(), relative("/", dirname(dir)));
			if (existsSync(parent) && readdirSync(parent).length === 0)
				rmSync(parent, { recursive: true });
		}
		for (const kind of ["memory", "sqlite"] as const) {
			const dir = tmp();
			const name = `mtcute ${kind === "memory" ? "MemoryStorage" : "SqliteStorage"}`;
			const t = await time(
				async () => {
					const s = await mtcute(kind, join(dir, String(Math.random())));
					for (const p of peers) await s.peers.store(mtPeer(p));
					await s.driver.save?.();
					await s.driver.destroy?.();
				},
				{ runs: n > 10_000 ? 1 : 3, before: () => undefined },
			);
			add("cachePeers, durable", size, name, t, n);
			if (kind === "sqlite") {
				const s = await mtcute(kind, dir);
				for (const p of peers) await s.peers.store(mtPeer(p));
				await s.driver.save?.();
				await s.driver.destroy?.();
				const l = await time(
					async () => {
						const r = await mtcute(kind, dir);
						for (let i = 0; i < lookups; i++) {
							const p = peers[(i * 7919) % n] as CachedPeer;
							await r.peers.getById(Number(p.id));
						}
						await r.driver.destroy?.();
					},
					{ runs },
				);
				add(`load + ${lookups} lookups`, size, name, l, lookups);
				add(`reopen + ${lookups} point lookups`, size, name, l, lookups);
			}
			rmSync(dir, { recursive: true, force: true });
		}
	}

	// 3. a flood of update-state changes, each made durable where the store offers it
	for (const o of ours()) {
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
		add("applyUpdateState flood", `${count} changes`, `${o.name} (${o.durability})`, t, count);
		await cleanupOurs(o, dir, b);
	}
	na(
		"applyUpdateState flood",
		`${FLOOD} changes`,
		"GramJS (any session)",
		"GramJS stores no update state",
	);
	for (const kind of ["memory", "sqlite"] as const) {
		const dir = tmp();
		const s = await mtcute(kind, dir);
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
			"applyUpdateState flood",
			`${FLOOD} changes`,
			`mtcute ${kind === "memory" ? "MemoryStorage" : "SqliteStorage"} (kv.set + save)`,
			t,
			FLOOD,
		);
		await s.driver.destroy?.();
		rmSync(dir, { recursive: true, force: true });
	}
	// floors for durable granular writes
	{
		const dir = tmp();
		const bytes = new Uint8Array(64);
		const path = join(dir, "f");
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
		add(
			"applyUpdateState flood",
			"200 changes",
			"floor: write + fsync + rename + dir fsync",
			t,
			200,
		);
		const Database = (
			await import(
				pathToFileURL(
					join(
						here,
						"..",
						"packages",
						"sqlite",
						"node_modules",
						"better-sqlite3",
						"lib",
						"index.js",
					),
				).href
			)
		).default;
		const db = new Database(join(dir, "floor.db"));
		db.pragma("journal_mode = WAL");
		db.pragma("synchronous = FULL");
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
		add(
			"applyUpdateState flood",
			`${FLOOD} changes`,
			"floor: one SQLite transaction each (WAL, FULL)",
			ts,
			FLOOD,
		);
		db.close();
		rmSync(dir, { recursive: true, force: true });
	}

	// 4. string export / import of a logged-in session
	const session = { ...sampleSession(), peers: [] };
	const compact = compactFromSession(session, 123456789n);
	if (!compact) throw new Error("no compact form");
	const N = 5000;
	const key = session.dcs.find((d) => d.authKey)?.authKey?.expose() as Uint8Array;
	const our = await time(() => {
		for (let i = 0; i < N; i++) decodeSessionString(encodeNativeString(session));
	});
	add(
		"string export + import",
		`${N} round trips`,
		"x-session native string (all DCs, state, token)",
		our,
		N,
	);
	const ourCompact = await time(() => {
		for (let i = 0; i < N; i++) decodeCompactString(encodeCompactString(compact));
	});
	add(
		"string export + import",
		`${N} round trips`,
		"x-session compact string (one DC)",
		ourCompact,
		N,
	);
	const gram = await time(async () => {
		const { AuthKey } = await peerModule("telegram/crypto/AuthKey.js");
		const k = new AuthKey();
		await k.setKey(Buffer.from(key));
		for (let i = 0; i < N; i++) {
			const s = new StringSession("");
			s.setDC(2, "149.154.167.51", 443);
			s.setAuthKey(k);
			const text = s.save();
			const back = new StringSession(text);
			await back.load();
		}
	});
	add("string export + import", `${N} round trips`, "GramJS StringSession (one DC)", gram, N);
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
	add(
		"string export + import",
		`${N} round trips`,
		"mtcute string session (main + media DC)",
		mt,
		N,
	);

	report("compare", rows, [
		"Same generated peers (seeded) for every store. 'durable' means what each store itself offers: GramJS StringSession keeps entities in memory only; StoreSession writes a file per peer without fsync; mtcute SqliteStorage writes on driver.save(). Lookups: a Map index over the loaded session for ours, each peer's own lookup API for the others.",
		"n/a rows say why a store cannot do a workload instead of leaving a gap.",
	]);
	writeFileSync(join(RESULTS_DIR, "compare.svg"), chart(rows));
}

/** One horizontal bar chart per workload, ops/s on a log scale. */
function chart(all: Measurement[]): string {
	const groups = new Map<string, Measurement[]>();
	for (const r of all) {
		const ops = Number(r.extra?.["ops/s"]);
		if (!Number.isFinite(ops)) continue;
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
