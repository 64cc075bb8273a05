// Client metadata (#14): findPeerByUsername / findPeerByPhone / getPeer at 1k, 100k and 1M cached
// peers with metadata on every backend that answers natively (SQLite, libSQL local, Redis,
// PostgreSQL), and the rate of caching peers with metadata in batches. Lookups are awaited one by
// one (latency-bound, like a client resolving a username); the sizes grow in place, so each step
// adds peers to the same session. BENCH_LOOKUP_SIZES=1000,100000 limits the sizes and
// BENCH_LOOKUP_SUBJECTS=sqlite,redis the backends.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CachedPeer, SessionBackend } from "@x/session-core";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { PostgresSessionBackend, postgresDriver } from "@x/session-postgres";
import { type RedisLike, RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { type Measurement, report } from "./lib.js";

const { Redis } = createRequire(import.meta.url)("ioredis") as {
	Redis: new (options: object) => RedisLike;
};

const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SIZES = (process.env.BENCH_LOOKUP_SIZES ?? "1000,100000,1000000").split(",").map(Number);
const LOOKUPS = 5_000;
const BATCH = 5_000;
const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

/** Peer `i`: a user with two usernames, a phone, a name and a small serialized object. */
function peer(i: number): CachedPeer {
	return {
		kind: "user",
		id: BigInt(1_000_000 + i),
		accessHash: BigInt(i) * 7919n + 1n,
		channelKind: null,
		meta: {
			usernames: [`user_${i}`, `Alt${i}`],
			phone: `+1555${String(i).padStart(7, "0")}`,
			name: `User ${i}`,
			updatedAt: 1_790_000_000_000 + i,
			isMin: false,
			data: new Uint8Array(24).fill(i & 0xff),
		},
	};
}

/** Deterministic pseudo-random indices below `n`. */
function picks(n: number, count: number, seed: number): number[] {
	let x = seed >>> 0 || 1;
	return Array.from({ length: count }, () => {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		return (x >>> 0) % n;
	});
}

interface Subject {
	name: string;
	open(): Promise<SessionBackend>;
	cleanup(b: SessionBackend): Promise<void>;
}

async function measureLookups(
	b: SessionBackend,
	size: number,
	subject: string,
	rows: Measurement[],
): Promise<void> {
	const cases: [string, (i: number) => Promise<CachedPeer | null>][] = [
		["findPeerByUsername", (i) => b.findPeerByUsername(i % 2 ? `@ALT${i}` : `user_${i}`)],
		["findPeerByPhone", (i) => b.findPeerByPhone(`+1555${String(i).padStart(7, "0")}`)],
		["getPeer", (i) => b.getPeer("user", BigInt(1_000_000 + i))],
	];
	for (const [name, find] of cases) {
		const targets = picks(size, LOOKUPS, size + name.length);
		for (const i of targets.slice(0, 200)) await find(i); // warm-up
		const latencies: number[] = [];
		const t0 = performance.now();
		for (const i of targets) {
			const s = performance.now();
			const found = await find(i);
			latencies.push(performance.now() - s);
			if (found?.id !== BigInt(1_000_000 + i)) throw new Error(`${subject}: ${name}(${i}) missed`);
		}
		const total = performance.now() - t0;
		latencies.sort((x, y) => x - y);
		rows.push({
			name,
			size: `${label(size)} peers`,
			subject,
			medianMs: latencies[Math.floor(LOOKUPS / 2)] as number,
			minMs: latencies[0] as number,
			maxMs: latencies[LOOKUPS - 1] as number,
			runs: LOOKUPS,
			extra: {
				"ops/s": (LOOKUPS / total) * 1000,
				"p99 µs": (latencies[Math.floor(LOOKUPS * 0.99)] as number) * 1000,
			},
		});
	}
}

async function runSubject(subject: Subject, rows: Measurement[]): Promise<void> {
	const b = await subject.open();
	try {
		let cached = 0;
		for (const size of SIZES) {
			const t0 = performance.now();
			while (cached < size) {
				const n = Math.min(BATCH, size - cached);
				await b.cachePeers(Array.from({ length: n }, (_, k) => peer(cached + k)));
				cached += n;
			}
			const ms = performance.now() - t0;
			const added = size - (SIZES[SIZES.indexOf(size) - 1] ?? 0);
			rows.push({
				name: `cachePeers with metadata (batches of ${BATCH})`,
				size: `to ${label(size)} peers`,
				subject: subject.name,
				medianMs: ms,
				minMs: ms,
				maxMs: ms,
				runs: 1,
				extra: { "ops/s": (added / ms) * 1000 },
			});
			await measureLookups(b, size, subject.name, rows);
			console.error(`lookups: ${subject.name} at ${label(size)} done`);
		}
	} finally {
		await subject.cleanup(b);
	}
}

export async function run(): Promise<void> {
	const rows: Measurement[] = [];
	const dir = mkdtempSync(join(tmpdir(), "xs-bench-lookups-"));
	const redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: false });
	const schema = `xs_bench_${randomBytes(4).toString("hex")}`;
	const subjects: Subject[] = [
		{
			name: "sqlite",
			open: () => SqliteSessionBackend.open({ database: join(dir, "lookups.db") }),
			cleanup: (b) => b.close(),
		},
		{
			name: "libsql (local file)",
			open: () => LibsqlSessionBackend.open({ url: `file:${join(dir, "lookups-libsql.db")}` }),
			cleanup: (b) => b.close(),
		},
		{
			name: "redis",
			open: () =>
				RedisSessionBackend.open({
					client: redis,
					prefix: `xsbench${randomBytes(4).toString("hex")}`,
				}),
			cleanup: async (b) => {
				await b.delete();
				await b.close();
			},
		},
		{
			name: "postgres",
			open: () =>
				PostgresSessionBackend.open({
					connectionString: PG_URL,
					schema,
					statementTimeoutMs: 300_000,
				}),
			cleanup: async (b) => {
				await b.close();
				const admin = postgresDriver({ connectionString: PG_URL });
				await admin.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
				await admin.close?.();
			},
		},
	];
	try {
		const only = process.env.BENCH_LOOKUP_SUBJECTS?.split(",");
		for (const s of subjects)
			if (!only || only.some((part) => s.name.includes(part))) await runSubject(s, rows);
	} finally {
		await redis.quit();
		rmSync(dir, { recursive: true, force: true });
	}
	report("lookups", rows, [
		"Lookups are awaited one at a time (5,000 per row; ops/s over the whole run, median/min/max and p99 per lookup).",
		"Each peer has two usernames, a phone, a name and 24 bytes of data; usernames are looked up in mixed case with and without `@`.",
		"Reference (issue #14): mtcute 0.30.3 SqliteStorage on this machine, about 86k lookups/s at 1k peers and 59k/s at 100k, about 330k peer stores/s.",
	]);
}
