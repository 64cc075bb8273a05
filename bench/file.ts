// File backend: durable save against the floor (the same bytes written directly with write +
// fsync + rename + directory fsync), and applyUpdateState throughput with and without coalescing.
import { mkdtempSync, rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloneSession, encodeSession } from "@x/session-core";
import { sampleSession, testPeerMeta, testPeers } from "@x/session-core/testing";
import { FileSessionBackend } from "@x/session-file";
import { type Measurement, report, time } from "./lib.js";

const dir = mkdtempSync(join(tmpdir(), "xs-bench-file-"));

async function floorWrite(path: string, bytes: Uint8Array): Promise<void> {
	const temp = `${path}.floor-tmp`;
	const file = await open(temp, "w", 0o600);
	await file.write(bytes);
	await file.sync();
	await file.close();
	await rename(temp, path);
	const d = await open(dir, "r");
	await d.sync();
	await d.close();
}

export async function run(): Promise<void> {
	const rows: Measurement[] = [];
	try {
		const sizes = [100, 10_000, 65_535].map((n) => [n, false] as const);
		for (const [peers, withMeta] of [...sizes, [10_000, true] as const, [65_535, true] as const]) {
			const session = { ...sampleSession(), peers: testPeers(peers, 1) };
			// client metadata on every peer: two usernames, phone, name, 16-22 bytes of data
			if (withMeta)
				session.peers.forEach((p, i) => {
					p.meta = testPeerMeta(i);
				});
			const bytes = encodeSession(session);
			const size = `${peers} peers${withMeta ? " with metadata" : ""} (${(bytes.length / 1024).toFixed(0)} KiB)`;
			const floor = await time(() => floorWrite(join(dir, "floor.session"), bytes), { runs: 15 });
			const backend = await FileSessionBackend.open({ path: join(dir, "bench.session") });
			const ours = await time(() => backend.save(session), { runs: 15 });
			await backend.close();
			rows.push({
				name: "durable save",
				size,
				subject: "floor (write+fsync+rename+dir fsync)",
				...floor,
			});
			rows.push({
				name: "durable save",
				size,
				subject: "x-session file",
				...ours,
				extra: { "× floor": ours.medianMs / floor.medianMs },
			});
			const encode = await time(() => encodeSession(session), { runs: 15 });
			const clone = await time(() => cloneSession(session), { runs: 15 });
			rows.push({
				name: "durable save",
				size,
				subject: withMeta ? "of which: encode v8 + trailer" : "of which: encode v8",
				...encode,
			});
			rows.push({ name: "durable save", size, subject: "of which: copy for isolation", ...clone });
		}

		for (const flushInterval of [0, 1000]) {
			const backend = await FileSessionBackend.open({
				path: join(dir, `state-${flushInterval}.session`),
				flushInterval,
			});
			await backend.save({ ...sampleSession(), peers: testPeers(10_000, 1) });
			const n = flushInterval ? 10_000 : 200;
			let pts = 0;
			const t = await time(
				async () => {
					for (let i = 0; i < n; i++)
						await backend.applyUpdateState({ type: "primary", pts: ++pts, date: pts, seq: pts });
					await backend.flush();
				},
				{ runs: 5 },
			);
			await backend.close();
			rows.push({
				name: "applyUpdateState (10k-peer session)",
				size: `${n} changes`,
				subject: flushInterval
					? `coalesced (flushInterval ${flushInterval} ms) + flush`
					: "durable, each written",
				...t,
				extra: { "ops/s": (n / t.medianMs) * 1000 },
			});
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}

	report("file", rows, [
		"Target: within 1.3x of the floor. Met for small sessions; for large ones the gap is CPU the floor does not spend (encoding, and the copy that isolates the stored state from the caller), which matters less the slower the disk's fsync is.",
		"The floor writes the same v8 bytes with one write, fsync, rename and directory fsync; the backend adds encoding and its temp-file naming.",
		"65 535 peers is the most a v8 file holds (the issue's 100k needs a SQL or Redis backend).",
	]);
}
