// Shared helpers for the benchmarks: timing with repeats, a markdown table, JSON results.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** `bench/results`, or `XS_BENCH_RESULTS` (a trial run that must not touch the published results). */
export const RESULTS_DIR =
	process.env.XS_BENCH_RESULTS || join(dirname(fileURLToPath(import.meta.url)), "results");

export interface Measurement {
	/** Workload, e.g. "decode". */
	name: string;
	/** Case, e.g. "100k peers". */
	size: string;
	/** What was measured against, e.g. "x-session file" or "floor". */
	subject: string;
	/** Median milliseconds per run. */
	medianMs: number;
	minMs: number;
	maxMs: number;
	runs: number;
	/** Extra columns: MB/s, ops/s, ratios. */
	extra?: Record<string, number | string>;
}

export interface TimeOptions {
	/** Number of measured runs (default 7); with `budgetMs`, the most. */
	runs?: number;
	/**
	 * Stop once the measured runs have taken this long in all and at least `minRuns` were made
	 * (a slow subject still gets a median and a spread, a fast one all `runs`).
	 */
	budgetMs?: number;
	/** The fewest measured runs when `budgetMs` cuts a measurement short (default 3). */
	minRuns?: number;
	/**
	 * `fn` returns the milliseconds to record (it times only its own part, e.g. leaving out the
	 * start of a child process or the untimed preparation between chunks).
	 */
	selfTimed?: boolean;
	/** Unmeasured runs first (default 1). */
	warmup?: number;
	/** Called before each run, not timed. */
	before?: () => unknown | Promise<unknown>;
}

/** Runs `fn` repeatedly; returns median/min/max wall time in ms. */
export async function time(
	fn: () => unknown | Promise<unknown>,
	options: TimeOptions = {},
): Promise<{ medianMs: number; minMs: number; maxMs: number; runs: number }> {
	const runs = options.runs ?? 7;
	const minRuns = Math.min(options.minRuns ?? 3, runs);
	for (let i = 0; i < (options.warmup ?? 1); i++) {
		await options.before?.();
		await fn();
	}
	const samples: number[] = [];
	let spent = 0;
	for (let i = 0; i < runs; i++) {
		if (options.budgetMs !== undefined && i >= minRuns && spent >= options.budgetMs) break;
		await options.before?.();
		const t0 = performance.now();
		const out = await fn();
		const ms = options.selfTimed ? Number(out) : performance.now() - t0;
		samples.push(ms);
		spent += ms;
	}
	samples.sort((a, b) => a - b);
	return {
		medianMs: samples[Math.floor(samples.length / 2)] as number,
		minMs: samples[0] as number,
		maxMs: samples[samples.length - 1] as number,
		runs: samples.length,
	};
}

export function machine(): Record<string, string | number> {
	const cpu = cpus();
	return {
		cpu: cpu[0]?.model ?? "unknown",
		cores: cpu.length,
		memoryGiB: Math.round(totalmem() / 2 ** 30),
		node: process.version,
		platform: `${process.platform}-${process.arch}`,
		date: new Date().toISOString(),
	};
}

/** The 1, 5 and 15 minute load averages as "a / b / c" (the machine is shared: record it with results). */
export function loadAverage(): string {
	return loadavg()
		.map((v) => v.toFixed(1))
		.join(" / ");
}

const fmt = (v: number | string | undefined): string =>
	typeof v === "number"
		? Math.abs(v) >= 100
			? v.toFixed(0)
			: Math.abs(v) >= 1
				? v.toFixed(2)
				: v.toPrecision(3)
		: (v ?? "");

/** Prints a markdown table of the measurements and writes `bench/results/<topic>.json` and `.md`. */
export function report(topic: string, rows: Measurement[], notes: string[] = []): string {
	const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
	const head = ["workload", "size", "subject", "median ms", "min ms", "max ms", ...extraKeys];
	const lines = [
		`| ${head.join(" | ")} |`,
		`| ${head.map(() => "---").join(" | ")} |`,
		...rows.map(
			(r) =>
				`| ${[r.name, r.size, r.subject, fmt(r.medianMs), fmt(r.minMs), fmt(r.maxMs), ...extraKeys.map((k) => fmt(r.extra?.[k]))].join(" | ")} |`,
		),
	];
	const m = machine();
	const table = [
		`## ${topic}`,
		"",
		`${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}`,
		"",
		...lines,
		"",
		...notes,
	].join("\n");
	console.log(table);
	mkdirSync(RESULTS_DIR, { recursive: true });
	writeFileSync(
		join(RESULTS_DIR, `${topic}.json`),
		JSON.stringify({ topic, machine: m, rows, notes }, null, 2),
	);
	writeFileSync(join(RESULTS_DIR, `${topic}.md`), `${table}\n`);
	return table;
}

/** A logger mtcute's storages accept that prints nothing (what `driver.setup` is given). */
export const mtcuteQuietLog = {
	create: () => mtcuteQuietLog,
	mgr: { level: 0 },
	debug() {},
	info() {},
	warn() {},
	error() {},
	verbose() {},
};
/** The platform hooks mtcute's SQLite driver asks for, doing nothing. */
export const mtcutePlatform = { beforeExit: () => () => {} };
