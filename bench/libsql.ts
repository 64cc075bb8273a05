// libSQL backend: local file against a remote database over loopback HTTP (the Hrana test server):
// full save/load of 1k to 1M peers, applyUpdateState at 10k, 100k and 1M peers (flat in session
// size), cachePeers of 10k and 100k.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleSession, testPeers } from "@x/session-core/testing";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { startHranaServer } from "../packages/libsql/test/hrana/server.js";
import { loadAverage, type Measurement, report, time } from "./lib.js";

export async function run(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "xs-bench-libsql-"));
	const rows: Measurement[] = [];
	const loadAtStart = loadAverage();
	const server = await startHranaServer({ path: join(dir, "remote.db") });
	try {
		for (const [subject, url] of [
			["local file", `file:${join(dir, "local.db")}`],
			["remote (Hrana over loopback HTTP)", server.url],
		] as const) {
			// a 1M-peer load over HTTP is one large answer: more than the default 10 s bound
			const b = await LibsqlSessionBackend.open({ url, requestTimeoutMs: 120_000 });
			let pts = 0;
			for (const peers of [1_000, 10_000, 100_000, 1_000_000]) {
				const size = `${peers.toLocaleString("en")} peers`;
				const session = { ...sampleSession(), peers: testPeers(peers, 1) };
				// a 1M-peer save or load takes seconds: measured once, without a warm-up
				const big = peers >= 1_000_000;
				const options = big ? { runs: 1, warmup: 0 } : { runs: peers > 10_000 ? 3 : 7 };
				rows.push({
					name: "full save",
					size,
					subject,
					...(await time(() => b.save(session), options)),
				});
				rows.push({
					name: "load",
					size,
					subject,
					...(await time(() => b.load(), options)),
				});
				if (peers < 10_000) continue;
				const n = 500;
				const t = await time(
					async () => {
						for (let i = 0; i < n; i++)
							await b.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
					},
					{ runs: 3 },
				);
				rows.push({
					name: `applyUpdateState, ${n} calls, one transaction each`,
					size,
					subject,
					...t,
					extra: { "ops/s": (n / t.medianMs) * 1000 },
				});
			}
			// the session holds the 1M peers now; these batches update peers already stored
			for (const count of [10_000, 100_000]) {
				const batch = testPeers(count, 7);
				const cached = await time(() => b.cachePeers(batch), { runs: 3 });
				rows.push({
					name: "cachePeers, one batch",
					size: `${count.toLocaleString("en")} peers`,
					subject,
					...cached,
					extra: { "ops/s": (batch.length / cached.medianMs) * 1000 },
				});
			}
			await b.close();
		}
	} finally {
		await server.close();
		rmSync(dir, { recursive: true, force: true });
	}
	report("libsql", rows, [
		"Remote numbers are against the project's own Hrana test server (better-sqlite3 behind node:http) on loopback, not sqld or Turso: they show the protocol's round trips, not a production server.",
		"1M-peer save and load are one run each; applyUpdateState is measured on the session of that size (the size column), cachePeers on the 1M-peer session.",
		`Load average (1/5/15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()} (2 cores shared with other work).`,
	]);
}
