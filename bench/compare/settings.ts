import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CachedPeer } from "@x/session-core";
import { testPeers } from "@x/session-core/testing";
import type { TimeOptions } from "../lib.js";

// What `pnpm bench compare` runs, from the environment (see compare.ts), and the workloads.

export const SIZES = (process.env.XS_COMPARE_SIZES ?? "1000,100000").split(",").map(Number);
export const ONLY = process.env.XS_COMPARE_SUBJECTS?.split(",").filter(Boolean);
export const want = (subject: string) => !ONLY || ONLY.some((s) => subject.includes(s));
export const FLOOD = 10_000;
/** Point lookups after a reload: as many as there are peers, at most the 100k. */
export const RELOAD_LOOKUPS = 100_000;
/** Durable auth-key changes per run. */
export const AUTH_CHANGES = 200;
/** A row stops repeating once its runs took this long, after at least 3 runs (see lib.ts time()). */
export const BUDGET_MS = 5000;
/** GramJS gets its users in batches of this many Api.User objects (1M of them would need 3 GB). */
export const GRAM_BATCH = 10_000;
export const TARGET = 2;
export const FLOOR_TARGET = 1.3;
/** The cold start at the largest size, at most this many times the one at the smallest. */
export const SCALE_TARGET = 2;
export const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// biome-ignore lint/suspicious/noExplicitAny: the peers' objects, loaded at run time
export type Any = any;

export const tmp = () => mkdtempSync(join(tmpdir(), "xs-cmp-"));
export const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** Progress on stderr, with the process's peak RSS so far (which subject needed the memory). */
export const progress = (what: string) =>
	console.error(`[bench] compare: ${what} done, peak RSS ${peakMiB()} MiB`);

/** Workload names, one set per size. */
export function workloads(n: number) {
	const lookups = Math.min(n, 2000);
	const reload = Math.min(n, RELOAD_LOOKUPS);
	return {
		lookups,
		reload,
		cache: "cachePeers, durable",
		full: "full save (whole session), durable",
		auth: `auth-key write ×${AUTH_CHANGES}, each durable`,
		cold: "cold start (open + what a client needs to start)",
		load: "full load() (open + every peer)",
		mem: `${lookups} lookups on the open store, each awaited`,
		again: `reload + ${reload} lookups, each awaited`,
	};
}
export type W = ReturnType<typeof workloads>;
export const ALL: (keyof W)[] = ["cache", "full", "auth", "mem", "cold", "load", "again"];
/** The i-th lookup of a run, over every peer in turn (7919 is prime: a permutation of 0..n-1). */
export const pick = (i: number, n: number) => (i * 7919) % n;
export const peerId = (i: number) => 1_000_000 + i;

/** n distinct users: the seeded hashes of testPeers, ids 1 000 000 + i. */
export function usersOf(n: number): CachedPeer[] {
	return testPeers(n, 11).map((p, i) => ({
		kind: "user" as const,
		id: BigInt(peerId(i)),
		accessHash: p.accessHash,
		channelKind: null,
	}));
}

export const opts = (n: number, extra: TimeOptions = {}): TimeOptions => ({
	runs: 7,
	minRuns: 3,
	budgetMs: BUDGET_MS,
	warmup: n > 10_000 ? 0 : 1,
	...extra,
});
