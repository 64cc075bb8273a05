// SQLite backend: full save and load at 1k and 100k peers, granular throughput, a 100k-peer batch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleSession, testPeers } from "../packages/core/src/testing/index.js";
import { SqliteSessionBackend } from "../packages/sqlite/src/index.js";
import { type Measurement, report, time } from "./lib.js";

export async function run(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "xs-bench-sqlite-"));
	const rows: Measurement[] = [];
	try {
		for (const peers of [1_000, 100_000]) {
			const b = await SqliteSessionBackend.open({ database: join(dir, `s${peers}.db`) });
			const session = { ...sampleSession(), peers: testPeers(peers, 1) };
			const runs = peers > 10_000 ? 5 : 11;
			const save = await time(() => b.save(session), { runs });
			const load = await time(() => b.load(), { runs });
			rows.push({
				name: "full save (one transaction)",
				size: `${peers} peers`,
				subject: "sqlite",
				...save,
			});
			rows.push({ name: "load", size: `${peers} peers`, subject: "sqlite", ...load });
			await b.close();
		}
		const b = await SqliteSessionBackend.open({ database: join(dir, "g.db") });
		await b.save({ ...sampleSession(), peers: testPeers(100_000, 1) });
		const n = 10_000;
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
			size: `${n} changes (100k-peer session)`,
			subject: "sqlite",
			...state,
			extra: { "ops/s": (n / state.medianMs) * 1000 },
		});
		const one = testPeers(n, 7).map((p) => ({ ...p, id: p.id + 10_000_000n }));
		const single = await time(
			async () => {
				for (const p of one) await b.cachePeer(p);
			},
			{ runs: 3 },
		);
		rows.push({
			name: "cachePeer, one transaction each",
			size: `${n} peers`,
			subject: "sqlite",
			...single,
			extra: { "ops/s": (n / single.medianMs) * 1000 },
		});
		const batch = testPeers(100_000, 9).map((p) => ({ ...p, id: p.id + 20_000_000n }));
		const many = await time(() => b.cachePeers(batch), { runs: 3 });
		rows.push({
			name: "cachePeers, one batch",
			size: "100k peers",
			subject: "sqlite",
			...many,
			extra: { "ops/s": (batch.length / many.medianMs) * 1000 },
		});
		await b.close();
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	report("sqlite", rows, [
		"WAL with synchronous=NORMAL (the default); every granular call is its own transaction and also renews the lease.",
	]);
}
