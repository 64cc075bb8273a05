// @x/session-mtcute against mtcute's own storages (SqliteStorage, MemoryStorage), all driven
// through the same repository calls mtcute makes: N peers stored then one driver.save(); after a
// reopen, getById and getByUsername; 10k update-state changes with a save every 100.
// XS_MTCUTE_SIZES=1000,10000 and XS_MTCUTE_SUBJECTS=<substring>,... narrow a run.
// The subjects are in mtcute/subjects.ts, the generated data in mtcute/data.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type Measurement, report } from "./lib.js";
import { int32Le, peersOf, prng, summary } from "./mtcute/data.js";
import {
	closeRedis,
	errors,
	observed,
	type PeerInfo,
	type Store,
	subjects,
} from "./mtcute/subjects.js";

const SIZES = (process.env.XS_MTCUTE_SIZES ?? "1000,10000,100000").split(",").map(Number);
const ONLY = process.env.XS_MTCUTE_SUBJECTS?.split(",");
const FLOOD = 10_000;
const SAVE_EVERY = 100;
/** A lookup loop stops after this long (mtcute's SqliteStorage scans the table per username). */
const LOOKUP_BUDGET_MS = 1000;
const label = (n: number) => `${n / 1000}k peers`;
const failures: string[] = [];

function checkErrors(what: string): void {
	if (errors.length > 0) throw new Error(`${what}: a save failed: ${String(errors[0])}`);
}

/** Runs `call` over `keys` (cycling) until done or out of budget; returns ops and ms. */
async function lookups(
	keys: (number | string)[],
	count: number,
	call: (k: never) => unknown,
	what: string,
): Promise<{ ops: number; ms: number }> {
	const t0 = performance.now();
	let ops = 0;
	for (; ops < count; ops++) {
		const found = await call(keys[ops % keys.length] as never);
		if (!found) throw new Error(`${what}: lookup of ${keys[ops % keys.length]} missed`);
		if ((ops & 63) === 63 && performance.now() - t0 > LOOKUP_BUDGET_MS) {
			ops++;
			break;
		}
	}
	return { ops, ms: performance.now() - t0 };
}

export async function run(): Promise<void> {
	const rows: Measurement[] = [];
	const chosen = subjects.filter((s) => !ONLY || ONLY.some((o) => s.name.includes(o)));
	const load = loadavg().map((l) => l.toFixed(1));
	for (const n of SIZES) {
		const peers = peersOf(n);
		const count = Math.max(1000, n / 10);
		const pick = prng(n);
		const ids: number[] = [];
		const names: string[] = [];
		const named = peers.filter((p) => p.usernames.length > 0);
		for (let i = 0; i < count; i++) {
			ids.push((peers[Math.floor(pick() * n)] as PeerInfo).id);
			names.push((named[Math.floor(pick() * named.length)] as PeerInfo).usernames[0] as string);
		}
		const runs = n >= 100_000 ? 3 : n >= 10_000 ? 5 : 7;
		// an unmeasured first run below 100k
		const first = n >= 100_000 ? 1 : 0;
		for (const subject of chosen) {
			const root = mkdtempSync(join(tmpdir(), "xs-bench-mtcute-"));
			const stores: Store[] = [];
			try {
				// 1. store N peers, then one save; a fresh store each run (below 100k the first one unmeasured)
				const samples: number[] = [];
				let last: Store | undefined;
				for (let r = first; r <= runs; r++) {
					const store = subject.create(mkdtempSync(join(root, "run-")));
					stores.push(store);
					const s = await store.open();
					const t0 = performance.now();
					for (const p of peers) await s.peers.store(p);
					await s.driver.save?.();
					const ms = performance.now() - t0;
					checkErrors(subject.name);
					await store.close(s);
					if (r > 0) samples.push(ms);
					last = store;
				}
				const st = summary(samples);
				rows.push({
					name: "store N peers + save",
					size: label(n),
					subject: subject.name,
					...st,
					extra: { "ops/s": (n / st.medianMs) * 1000 },
				});

				// 2. a fresh storage on the same store: getById, then getByUsername
				const open: number[] = [];
				const byId: number[] = [];
				const byName: number[] = [];
				let idOps = 0;
				let nameOps = 0;
				const store = last as Store;
				for (let r = first; r <= runs; r++) {
					const t0 = performance.now();
					const s = await store.open();
					const t1 = performance.now();
					const a = await lookups(ids, count, (k) => s.peers.getById(k), subject.name);
					const b = await lookups(names, count, (k) => s.peers.getByUsername(k), subject.name);
					await store.close(s);
					if (r === 0) continue;
					open.push(t1 - t0);
					byId.push(a.ms / a.ops);
					byName.push(b.ms / b.ops);
					idOps = a.ops;
					nameOps = b.ops;
				}
				const o = summary(open);
				rows.push({ name: "reopen (open + load)", size: label(n), subject: subject.name, ...o });
				for (const [name, per, ops] of [
					["getById after reopen", byId, idOps],
					["getByUsername after reopen", byName, nameOps],
				] as const) {
					const p = summary(per);
					rows.push({
						name: `${name} (${ops} lookups)`,
						size: label(n),
						subject: subject.name,
						medianMs: p.medianMs * ops,
						minMs: p.minMs * ops,
						maxMs: p.maxMs * ops,
						runs: p.runs,
						extra: { "ops/s": 1000 / p.medianMs },
					});
				}
				console.error(`mtcute: ${subject.name} at ${label(n)} done`);
			} catch (error) {
				failures.push(`${subject.name} at ${label(n)} failed: ${String(error)}`);
				errors.length = 0;
				console.error(failures.at(-1));
			} finally {
				for (const s of stores) await s.cleanup();
				rmSync(root, { recursive: true, force: true });
			}
		}
	}

	// 3. the update flood: pts every change, date and seq every fourth, a save every 100
	for (const subject of chosen) {
		const root = mkdtempSync(join(tmpdir(), "xs-bench-mtcute-"));
		const store = subject.create(root);
		try {
			const s = await store.open();
			await s.kv.set("updates_qts", int32Le(0));
			await s.kv.set("updates_date", int32Le(1_700_000_000));
			await s.kv.set("updates_seq", int32Le(0));
			await s.driver.save?.();
			let pts = 0;
			const samples: number[] = [];
			for (let r = 0; r <= 5; r++) {
				const t0 = performance.now();
				for (let i = 1; i <= FLOOD; i++) {
					pts++;
					await s.kv.set("updates_pts", int32Le(pts));
					if (i % 4 === 0) {
						await s.kv.set("updates_date", int32Le(1_700_000_000 + (pts >> 2)));
						await s.kv.set("updates_seq", int32Le(pts >> 2));
					}
					if (i % SAVE_EVERY === 0) await s.driver.save?.();
				}
				if (r > 0) samples.push(performance.now() - t0);
			}
			checkErrors(subject.name);
			await store.close(s);
			const again = await store.open();
			const got = (await again.kv.get("updates_pts")) as Uint8Array | null;
			const stored = got && new DataView(got.buffer, got.byteOffset, 4).getInt32(0, true);
			if (stored !== pts)
				throw new Error(`${subject.name}: pts ${stored} after reopen, not ${pts}`);
			await store.close(again);
			const st = summary(samples);
			rows.push({
				name: `update flood (${FLOOD} changes, save every ${SAVE_EVERY})`,
				size: "-",
				subject: subject.name,
				...st,
				extra: { "ops/s": (FLOOD / st.medianMs) * 1000 },
			});
		} finally {
			await store.cleanup();
			rmSync(root, { recursive: true, force: true });
		}
	}
	await closeRedis();

	// against mtcute's SqliteStorage: its time over ours (stores, flood) or our rate over its
	const theirs = (r: Measurement) =>
		rows.find(
			(m) =>
				m.size === r.size &&
				m.name.replace(/\(\d+ lookups\)/, "") === r.name.replace(/\(\d+ lookups\)/, "") &&
				subjects.find((s) => s.name === m.subject)?.role === "mtcute-sqlite",
		);
	for (const r of rows) {
		const t = theirs(r);
		if (!t) continue;
		const ratio =
			typeof r.extra?.["ops/s"] === "number" && typeof t.extra?.["ops/s"] === "number"
				? r.extra["ops/s"] / t.extra["ops/s"]
				: t.medianMs / r.medianMs;
		r.extra = { ...r.extra, "× SqliteStorage": `${ratio.toFixed(2)}×` };
	}
	const verdict = (role: "durable" | "relaxed", what: string): string => {
		const ours = rows.find(
			(r) =>
				r.size === label(100_000) &&
				r.name.startsWith(what) &&
				subjects.find((s) => s.name === r.subject)?.role === role,
		);
		const x = ours?.extra?.["× SqliteStorage"];
		if (typeof x !== "string") return `${what}: not measured`;
		return `${what} ${x} (${Number.parseFloat(x) >= 2 ? "met" : "missed"})`;
	};
	const verdicts = (role: "durable" | "relaxed") =>
		["store N peers + save", "getById", "getByUsername"].map((w) => verdict(role, w)).join("; ");
	report("mtcute", rows, [
		...failures,
		`Load average at the start: ${load.join(" / ")}, at the end: ${loadavg()
			.map((l) => l.toFixed(1))
			.join(
				" / ",
			)} (1 / 5 / 15 min) on this 2-core machine, shared with other work: compare within one run (the × column), not against figures from a quiet machine.`,
		'Redis runs with leaseTtlMs 120 000: with the default 15 s lease, the 100k save failed on this machine (SessionLockedError "this instance no longer holds the session\'s lease" from a save that takes ~10 s here).',
		"Every subject gets the same seeded peers (mtcute's PeerInfo: marked id, \"low|high\" hash, one lowercase username for users and channels, a phone for 30% of users, updated = Date.now(), 150-300 random bytes of `complete`) through the calls mtcute makes: `peers.store` for each, one `driver.save()`; then a fresh storage on the same store (open + `driver.load()`, its own row) and N/10 (at least 1000) `getById` and `getByUsername`, each awaited in turn; every lookup must hit. A lookup loop stops after 1 s, so the lookup count is in the workload's name.",
		`mtcute's SqliteStorage runs WAL with better-sqlite3's default synchronous=${observed.sqliteSync ?? "?"} (1 = NORMAL: a commit is not fsynced, only checkpoints are), and finds a username by scanning every row's JSON (\`json_each\`), so its username lookups grow with N. MemoryStorage cannot be reopened: its lookups run on the same instance.`,
		'Update flood: `kv.set("updates_pts")` per change, `updates_date` and `updates_seq` every fourth (as mtcute\'s updates manager writes the counters that changed), `driver.save()` every 100 changes; after the runs a reopened storage must read the last pts. On durable SQLite and libSQL that is 100 fsynced transactions per 10 000 changes.',
		"× SqliteStorage: mtcute's SqliteStorage time over ours (stores, reopen, flood) or our ops/s over its (lookups); above 1× we are faster.",
		`Targets (issue #16), at 100k against SqliteStorage, at least 2×. Durable (synchronous=FULL): ${verdicts("durable")}. Relaxed (synchronous=NORMAL, like for like): ${verdicts("relaxed")}.`,
		"Reference figures measured earlier on this machine for SqliteStorage: store + save 3.1 / 30 / 585 ms at 1k / 10k / 100k, getById 86k / 88k / 59k per second, the update flood 120 ms.",
	]);
}
