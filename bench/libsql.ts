// libSQL backend: local file against a remote database over loopback HTTP (the Hrana test server).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleSession, testPeers } from "../packages/core/src/testing/index.js";
import { LibsqlSessionBackend } from "../packages/libsql/src/index.js";
import { startHranaServer } from "../packages/libsql/test/hrana/server.js";
import { type Measurement, report, time } from "./lib.js";

export async function run(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "xs-bench-libsql-"));
	const rows: Measurement[] = [];
	const server = await startHranaServer({ path: join(dir, "remote.db") });
	try {
		for (const [subject, url] of [
			["local file", `file:${join(dir, "local.db")}`],
			["remote (Hrana over loopback HTTP)", server.url],
		] as const) {
			const b = await LibsqlSessionBackend.open({ url });
			for (const peers of [1_000, 10_000, 100_000]) {
				const session = { ...sampleSession(), peers: testPeers(peers, 1) };
				const runs = peers > 10_000 ? 3 : 7;
				rows.push({
					name: "full save",
					size: `${peers} peers`,
					subject,
					...(await time(() => b.save(session), { runs })),
				});
				rows.push({
					name: "load",
					size: `${peers} peers`,
					subject,
					...(await time(() => b.load(), { runs })),
				});
			}
			const n = 500;
			let pts = 0;
			const t = await time(
				async () => {
					for (let i = 0; i < n; i++)
						await b.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
				},
				{ runs: 3 },
			);
			rows.push({
				name: "applyUpdateState, one transaction each",
				size: `${n} changes`,
				subject,
				...t,
				extra: { "ops/s": (n / t.medianMs) * 1000 },
			});
			const batch = testPeers(10_000, 7);
			const cached = await time(() => b.cachePeers(batch), { runs: 3 });
			rows.push({
				name: "cachePeers, one batch",
				size: `${batch.length} peers`,
				subject,
				...cached,
				extra: { "ops/s": (batch.length / cached.medianMs) * 1000 },
			});
			await b.close();
		}
	} finally {
		await server.close();
		rmSync(dir, { recursive: true, force: true });
	}
	report("libsql", rows, [
		"Remote numbers are against the project's own Hrana test server (better-sqlite3 behind node:http) on loopback, not sqld or Turso: they show the protocol's round trips, not a production server.",
	]);
}
