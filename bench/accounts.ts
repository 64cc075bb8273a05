// Many accounts in one process: N = 10 / 100 / 1000 concurrent sessions on SQLite (one file),
// libSQL (one local file), PostgreSQL (a schema of the shared server) and Redis (a key prefix of
// the shared server), through the default API the README shows (one `open` per session) and,
// beside it, the raw driver doing the same writes on one shared connection. Each runs a
// closed-loop load (applyUpdateState; every 10th operation cachePeers of 10 peers) and reports
// throughput, latency, the event loop's responsiveness and what the process holds. Then the
// lease check: our sessions at the largest N with a short lease, while a second process tries to
// take them over. `pnpm bench accounts`; settings in accounts/options.ts (XS_ACCOUNTS_N,
// XS_ACCOUNTS_SECONDS, XS_ACCOUNTS_BACKENDS, XS_ACCOUNTS_SUBJECTS, XS_ACCOUNTS_LEASE_TTL_MS);
// XS_BENCH_RESULTS=<dir> writes the results elsewhere.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apiSubjects } from "./accounts/api-subjects.js";
import { type AccountsRow, measure, RIVAL_SESSIONS, RSS_MIN_N } from "./accounts/measure.js";
import { accountsOptions } from "./accounts/options.js";
import { rawSubjects } from "./accounts/raw-subjects.js";
import { PG_HEADROOM, Stores } from "./accounts/stores.js";
import type { Subject } from "./accounts/subject.js";
import { accountsTable } from "./accounts/table.js";
import { loadAverage, machine, RESULTS_DIR } from "./lib.js";

const describe = (error: unknown) =>
	error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export async function run(): Promise<void> {
	const options = accountsOptions();
	const started = performance.now();
	const loadAtStart = loadAverage();
	const stores = new Stores();
	const rows: AccountsRow[] = [];
	const leaseRows: AccountsRow[] = [];
	const subjects: Subject[] = [];
	const failures: string[] = [];
	const durability = new Map<Subject, string>();
	const attempt = async (into: AccountsRow[], s: Subject, n: number, leaseTtlMs?: number) => {
		const what = `${s.backend} ${s.kind} N=${n}${leaseTtlMs ? `, lease ${leaseTtlMs} ms` : ""}`;
		try {
			const row = await measure(s, n, options.seconds, stores, leaseTtlMs);
			into.push(row);
			console.error(
				`[accounts] ${what}: ${Math.round(row.load.opsPerSecond)} ops/s, loop p99 ${row.load.loopDelayP99Ms.toFixed(1)} ms${row.shortBecause ? ` (${row.shortBecause})` : ""}`,
			);
		} catch (error) {
			failures.push(`${what} failed: ${describe(error)}`);
			console.error(`[accounts] ${what} failed: ${describe(error)}`);
		}
	};
	try {
		for (const backend of options.backends) {
			const pair = options.subjects.map((s) =>
				s === "x-session" ? apiSubjects[backend] : rawSubjects[backend],
			);
			for (const s of pair) {
				subjects.push(s);
				durability.set(s, await s.durability(stores));
			}
			for (const n of options.sizes) for (const s of pair) await attempt(rows, s, n);
		}
		if (options.leaseTtlMs > 0 && options.subjects.includes("x-session"))
			for (const backend of options.backends)
				await attempt(
					leaseRows,
					apiSubjects[backend],
					Math.max(...options.sizes),
					options.leaseTtlMs,
				);
	} finally {
		await stores.close();
	}
	const m = machine();
	const took = (performance.now() - started) / 1000;
	const all = [...rows, ...leaseRows];
	const label = (r: AccountsRow) =>
		`${r.backend} ${r.subject}, N = ${r.n}${r.rival ? " (lease check)" : ""}`;
	const shortNotes = all
		.filter((r) => r.shortBecause)
		.map((r) => `- ${label(r)}: ${r.opened} opened; ${r.shortBecause}`);
	const errorNotes = all.flatMap((r) => [
		...r.load.errorSamples.map((e) => `- ${label(r)}: ${e}`),
		...(r.rival?.errors ?? []).map((e) => `- ${label(r)}, rival: ${e}`),
	]);
	const text = [
		"## accounts",
		"",
		`${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}`,
		"",
		accountsTable(rows),
		"",
		`Each row: N sessions opened on a fresh location, then ${options.seconds} s of closed-loop load (every session awaits its write, then issues the next: applyUpdateState, every 10th operation cachePeers of 10 peers), one more write per session, then everything closed and the location dropped. Each backend's default lease.`,
		"ops/s: all sessions together; vs raw: our ops/s over the raw driver's at the same N. p50/p99: per operation. Loop delay: `monitorEventLoopDelay` (10 ms resolution) p99 and max of its samples during the load (a loop blocked for the whole load is one sample); timer late: how late a 100 ms timer fired at worst (a loop blocked for the whole load shows about its length).",
		"server conns: connections this process held on the server (pg_stat_activity / CLIENT LIST, matched on our local ports; the bench's own admin connection left out). +fds, +timers, +handles: added by the open sessions (/proc/self/fd, `process.getActiveResourcesInfo()`; an unref'd timer is not listed there).",
		`RSS/session: resident memory added by opening, over N, after a full GC; from N = ${RSS_MIN_N} (below, allocator noise swamps it).`,
		"Errors and lost leases (SessionLockedError) end that session's load; the write after the load counts a lease lost after a session's last write too. Left after close: what was still open 200 ms after every session closed (and, if anything, after a full GC).",
		`PostgreSQL is the shared server: opening stops while fewer than ${PG_HEADROOM} of its connections would be left to its other users (the opened column says how many sessions ran).`,
		...(leaseRows.length > 0
			? [
					"",
					`### Leases under load: ${options.leaseTtlMs} ms lease, a rival process`,
					"",
					accountsTable(leaseRows),
					"",
					`Our sessions at N = ${Math.max(...options.sizes)} opened with \`leaseTtlMs: ${options.leaseTtlMs}\`, the same load; meanwhile a second process opens ${RIVAL_SESSIONS} of them (spread over all N) over and over without waiting. Each of its opens that succeeds took over a lease that expired under its holder (a renewal starved); the holder must then be refused (lost leases), never keep writing.`,
				]
			: []),
		"",
		"Subjects and durability (what a returned write survives):",
		"",
		...subjects.map((s) => `- ${s.backend}, ${s.kind}: ${s.how}; ${durability.get(s)}`),
		...(shortNotes.length > 0 ? ["", "Fewer sessions than asked:", "", ...shortNotes] : []),
		...(errorNotes.length > 0 ? ["", "First error of each kind:", "", ...errorNotes] : []),
		...(failures.length > 0
			? ["", "Failed measurements:", "", ...failures.map((f) => `- ${f}`)]
			: []),
		"",
		`Load average (1/5/15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()} (2 cores shared with other work: compare rows of one run, not across runs). ${took.toFixed(0)} s in all.`,
	].join("\n");
	console.log(text);
	mkdirSync(RESULTS_DIR, { recursive: true });
	writeFileSync(join(RESULTS_DIR, "accounts.md"), `${text}\n`);
	const plain = (r: AccountsRow) => ({ ...r, load: { ...r.load, stopped: r.load.stopped.size } });
	writeFileSync(
		join(RESULTS_DIR, "accounts.json"),
		JSON.stringify(
			{
				topic: "accounts",
				machine: m,
				options,
				rows: rows.map(plain),
				leaseRows: leaseRows.map(plain),
				failures,
			},
			null,
			2,
		),
	);
}
