// Side by side with the peers: our backends, GramJS (StringSession, StoreSession) and mtcute
// (MemoryStorage, SqliteStorage) on the same generated data, plus the physical floors.
// `pnpm bench compare`; the peers are pinned in bench/package.json (installed with the workspace).
// XS_COMPARE_SIZES=1000,100000,1000000 picks the peer counts; XS_COMPARE_SERVERS=0 leaves out
// Redis and PostgreSQL; XS_COMPARE_SUBJECTS=<substring>,... keeps the subjects (and floors) whose
// name holds one of them; XS_BENCH_RESULTS=<dir> writes the results elsewhere (a trial run).
// One module per subject or row kind under compare/; this file runs them in order and reports.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { PersistedSession } from "@x/session-core";
import { sampleSession } from "@x/session-core/testing";
import { chart } from "./compare/chart.js";
import { flood } from "./compare/flood.js";
import { floorsAt } from "./compare/floors.js";
import { gramjsAt } from "./compare/gramjs.js";
import { mtcuteAt } from "./compare/mtcute.js";
import { ours, runOurs } from "./compare/ours.js";
import { gramjsKeys, peerModules } from "./compare/peers.js";
import { rows } from "./compare/rows.js";
import {
	AUTH_CHANGES,
	BUDGET_MS,
	GRAM_BATCH,
	peakMiB,
	progress,
	RELOAD_LOOKUPS,
	SIZES,
	usersOf,
	want,
	workloads,
} from "./compare/settings.js";
import { strings } from "./compare/strings.js";
import { targets } from "./compare/targets.js";
import { RESULTS_DIR, report } from "./lib.js";

export async function run(): Promise<void> {
	const started = performance.now();
	const load0 = loadavg();
	const peer = await peerModules();
	const gramKeys = await gramjsKeys(peer);
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
		await gramjsAt(peer, gramKeys, n, size, w, peers);
		for (const kind of ["memory", "sqlite"] as const) {
			await mtcuteAt(kind, n, size, w, peers);
			progress(`mtcute ${kind}, ${size}`);
		}
		if (want("floor")) await floorsAt(n, size, w, full);
	}
	await flood();
	await strings();

	const took = (performance.now() - started) / 1000;
	report("compare", rows, [
		"Same generated users (seeded hashes, ids 1 000 000 + i, all distinct) for every store. Durability: what survives once the call returned: none, a crash of the process (written to the OS or a server, no fsync), a power loss (fsync). Redis and PostgreSQL are classified from their configuration at run time, mtcute's SqliteStorage from its connection's PRAGMA synchronous. 'durable' in a workload name means the strongest durability the store itself offers.",
		`Cold start: open a stored session (n peers, DCs with keys, update state) and read what a client starts with; ours with load({ peers: false }) (peers come from lookups), mtcute reads peers on demand. Full load(): the same open reading every peer too, for whoever asks for it (no peer has one). Full save: the whole session written once. Auth-key write: ${AUTH_CHANGES} auth-key changes, each made durable before the next. Reload + lookups: open the same store again and look up min(n, ${RELOAD_LOOKUPS.toLocaleString("en")}) peers one by one, awaiting each. Lookups on the open store: min(n, 2000) through each store's own lookup call, on the store the writes left open (no load).`,
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
