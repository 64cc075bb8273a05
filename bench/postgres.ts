// PostgreSQL backend over loopback: full save/load at 10k, 100k and 1M peers, applyUpdateState
// on sessions of those sizes (flat in session size), a 100k-peer cachePeers batch (one unnest
// statement).
import { randomBytes } from "node:crypto";
import { sampleSession, testPeers } from "@x/session-core/testing";
import { PostgresSessionBackend, postgresDriver } from "@x/session-postgres";
import { loadAverage, type Measurement, report, time } from "./lib.js";

const URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export async function run(): Promise<void> {
	const schema = `xs_bench_${randomBytes(4).toString("hex")}`;
	const rows: Measurement[] = [];
	const loadAtStart = loadAverage();
	const b = await PostgresSessionBackend.open({
		connectionString: URL,
		schema,
		statementTimeoutMs: 120_000,
	});
	try {
		let pts = 0;
		for (const peers of [10_000, 100_000, 1_000_000]) {
			const size = `${peers.toLocaleString("en")} peers`;
			const session = { ...sampleSession(), peers: testPeers(peers, 1) };
			// a 1M-peer save or load takes seconds: measured once, without a warm-up
			const options =
				peers >= 1_000_000 ? { runs: 1, warmup: 0 } : { runs: peers > 10_000 ? 3 : 7 };
			rows.push({
				name: "full save (one transaction)",
				size,
				subject: "postgres",
				...(await time(() => b.save(session), options)),
			});
			rows.push({
				name: "load",
				size,
				subject: "postgres",
				...(await time(() => b.load(), options)),
			});
			const n = 1000;
			const state = await time(
				async () => {
					for (let i = 0; i < n; i++)
						await b.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
				},
				{ runs: 3 },
			);
			rows.push({
				name: `applyUpdateState, ${n} calls, one transaction each`,
				size,
				subject: "postgres",
				...state,
				extra: { "ops/s": (n / state.medianMs) * 1000 },
			});
		}
		// new peers (ids past the 1M stored ones): the first run inserts, the others update
		const batch = testPeers(100_000, 9).map((p) => ({ ...p, id: p.id + 20_000_000n }));
		const many = await time(() => b.cachePeers(batch), { runs: 3 });
		rows.push({
			name: "cachePeers, one batch (unnest)",
			size: "100k peers",
			subject: "postgres",
			...many,
			extra: { "ops/s": (batch.length / many.medianMs) * 1000 },
		});
	} finally {
		await b.close();
		const admin = postgresDriver({ connectionString: URL });
		await admin.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await admin.close?.();
	}
	report("postgres", rows, [
		"PostgreSQL 15 on the same machine over TCP loopback; default settings (fsync on, synchronous_commit on).",
		"1M-peer save and load are one run each; applyUpdateState is measured on the session of that size (the size column), cachePeers on the 1M-peer session.",
		`Load average (1/5/15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()} (2 cores shared with other work).`,
	]);
}
