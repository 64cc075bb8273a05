// SQLite backend: applyUpdateState and cachePeer must stay flat in session size (1k to 1M peers),
// against the load → mutate → save default on the same database (10k to 1M); cachePeers of 100k,
// native and through the default; save and load of 1k to 1M peers; applyUpdateState with
// synchronous=NORMAL and with coalescing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BaseSessionBackend } from "@x/session-core/backend";
import { sampleSession, testPeers } from "@x/session-core/testing";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { loadAverage, type Measurement, report, time } from "./lib.js";

export async function run(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "xs-bench-sqlite-"));
	const rows: Measurement[] = [];
	const loadAtStart = loadAverage();
	try {
		for (const peers of [1_000, 10_000, 100_000, 1_000_000]) {
			const size = `${peers.toLocaleString("en")} peers`;
			const b = await SqliteSessionBackend.open({ database: join(dir, `s${peers}.db`) });
			const session = { ...sampleSession(), peers: testPeers(peers, 1) };
			const big = peers >= 1_000_000;
			if (peers !== 10_000) {
				rows.push({
					name: "full save (one transaction)",
					size,
					subject: "sqlite",
					...(await time(() => b.save(session), { runs: big ? 1 : 3, warmup: big ? 0 : 1 })),
				});
				rows.push({
					name: "load",
					size,
					subject: "sqlite",
					...(await time(() => b.load(), { runs: big ? 1 : 3, warmup: big ? 0 : 1 })),
				});
			} else await b.save(session);
			const n = 2000;
			let pts = 0;
			const native = await time(
				async () => {
					for (let i = 0; i < n; i++)
						await b.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
				},
				{ runs: 3 },
			);
			rows.push({
				name: "applyUpdateState",
				size,
				subject: "sqlite (one row, one transaction)",
				...native,
				extra: { "ops/s": (n / native.medianMs) * 1000 },
			});
			let next = 0;
			const single = await time(
				async () => {
					for (let i = 0; i < n; i++)
						await b.cachePeer({
							kind: "user",
							id: BigInt(5_000_000_000 + ++next),
							accessHash: BigInt(next),
							channelKind: null,
						});
				},
				{ runs: 3 },
			);
			rows.push({
				name: "cachePeer",
				size,
				subject: "sqlite (one row upsert)",
				...single,
				extra: { "ops/s": (n / single.medianMs) * 1000 },
			});
			if (peers >= 10_000) {
				// the contract's default: load the whole session, change it, save it all (at 1M
				// peers each call takes seconds, so three calls measured once)
				const m = peers > 10_000 ? 3 : 20;
				const baseline = await time(
					async () => {
						for (let i = 0; i < m; i++)
							await BaseSessionBackend.prototype.applyUpdateState.call(b, {
								type: "primary",
								pts: ++pts,
								date: pts,
								seq: pts,
							});
					},
					{ runs: big ? 1 : 3, warmup: 0 },
				);
				rows.push({
					name: "applyUpdateState",
					size,
					subject: "load → mutate → save (default)",
					...baseline,
					extra: { "ops/s": (m / baseline.medianMs) * 1000 },
				});
			}
			await b.close();
		}
		const b = await SqliteSessionBackend.open({ database: join(dir, "batch.db") });
		await b.save(sampleSession());
		const batch = testPeers(100_000, 9);
		const many = await time(() => b.cachePeers(batch), { runs: 3 });
		rows.push({
			name: "cachePeers, one batch",
			size: "100k peers",
			subject: "sqlite",
			...many,
			extra: { "ops/s": (batch.length / many.medianMs) * 1000 },
		});
		// the same batch through the default on the same database (it already holds the 100k)
		const viaDefault = await time(() => BaseSessionBackend.prototype.cachePeers.call(b, batch), {
			runs: 3,
			warmup: 0,
		});
		rows.push({
			name: "cachePeers, one batch",
			size: "100k peers",
			subject: "load → mutate → save (default)",
			...viaDefault,
			extra: { "ops/s": (batch.length / viaDefault.medianMs) * 1000 },
		});
		await b.close();
		for (const [subject, options] of [
			["sqlite, synchronous=NORMAL", { synchronous: "normal" }],
			["sqlite, flushInterval 50 ms (coalesced)", { flushInterval: 50 }],
		] as const) {
			const c = await SqliteSessionBackend.open({ database: join(dir, "variants.db"), ...options });
			await c.save({ ...sampleSession(), peers: testPeers(10_000, 3) });
			const n = 5000;
			let pts = 0;
			const t = await time(
				async () => {
					for (let i = 0; i < n; i++)
						await c.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
					await c.flush();
				},
				{ runs: 3 },
			);
			rows.push({
				name: "applyUpdateState",
				size: "10,000 peers",
				subject,
				...t,
				extra: { "ops/s": (n / t.medianMs) * 1000 },
			});
			await c.close();
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	report("sqlite", rows, [
		"WAL with synchronous=FULL (the default). Every granular call is its own transaction and also renews the lease (fencing).",
		"With synchronous=FULL a granular call waits for an fsync, so its rate follows the disk (and other load on it) more than the session size.",
		"The coalesced row keeps update states in memory and writes the last one per interval (and on flush/close).",
		"The default rows call BaseSessionBackend's load → mutate → save on the same backend, as a backend without native granular writes would; at 1M peers that row is one run of 3 calls.",
		`Load average (1/5/15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()} (2 cores shared with other work).`,
	]);
}
