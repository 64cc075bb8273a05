// PostgreSQL backend over loopback: full save/load at 10k and 100k peers, granular throughput,
// a 100k-peer cachePeers batch (one unnest statement).
import { randomBytes } from "node:crypto";
import { sampleSession, testPeers } from "../packages/core/src/testing/index.js";
import { PostgresSessionBackend, postgresDriver } from "../packages/postgres/src/index.js";
import { type Measurement, report, time } from "./lib.js";

const URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export async function run(): Promise<void> {
	const schema = `xs_bench_${randomBytes(4).toString("hex")}`;
	const rows: Measurement[] = [];
	const b = await PostgresSessionBackend.open({
		connectionString: URL,
		schema,
		statementTimeoutMs: 120_000,
	});
	try {
		for (const peers of [10_000, 100_000]) {
			const session = { ...sampleSession(), peers: testPeers(peers, 1) };
			const runs = peers > 10_000 ? 3 : 7;
			rows.push({
				name: "full save (one transaction)",
				size: `${peers} peers`,
				subject: "postgres",
				...(await time(() => b.save(session), { runs })),
			});
			rows.push({
				name: "load",
				size: `${peers} peers`,
				subject: "postgres",
				...(await time(() => b.load(), { runs })),
			});
		}
		const n = 2000;
		let pts = 0;
		const state = await time(
			async () => {
				for (let i = 0; i < n; i++)
					await b.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
			},
			{ runs: 3 },
		);
		rows.push({
			name: "applyUpdateState, one transaction each",
			size: `${n} changes`,
			subject: "postgres",
			...state,
			extra: { "ops/s": (n / state.medianMs) * 1000 },
		});
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
	]);
}
