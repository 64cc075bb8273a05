// SIGKILL at random moments while a child process saves: the database always opens and holds the
// last acknowledged state or a later one, never a mix.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteSessionBackend } from "../src/index.js";

const tsx = createRequire(import.meta.url).resolve("tsx");
const KILLS = Number(process.env.XS_KILL_ITERATIONS ?? 200);
const WORKERS = 4;
const dirs: string[] = [];
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function saver(
	path: string,
	start: number,
): { proc: ChildProcess; acks: number[]; first: Promise<void> } {
	const proc = spawn(
		process.execPath,
		[
			"--conditions=@x/source",
			"--import",
			tsx,
			join(import.meta.dirname, "child", "saver.ts"),
			path,
			String(start),
		],
		{
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	const acks: number[] = [];
	let stderr = "";
	proc.stderr?.on("data", (d: Buffer) => {
		stderr += d;
	});
	const first = new Promise<void>((resolve, reject) => {
		let buffer = "";
		proc.stdout?.on("data", (d: Buffer) => {
			buffer += d.toString();
			const lines = buffer.split("\n");
			buffer = lines.pop() ?? "";
			for (const l of lines) if (l.startsWith("ack ")) acks.push(Number(l.slice(4)));
			if (acks.length > 0) resolve();
		});
		proc.once("exit", (code) =>
			reject(new Error(`saver exited (${code}) before saving: ${stderr}`)),
		);
	});
	return { proc, acks, first };
}

describe("crash safety", () => {
	it(`SIGKILL at ${KILLS} random moments: the database holds an acknowledged state or a later one`, async () => {
		const worker = async (w: number) => {
			const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-kill-"));
			dirs.push(dir);
			const path = join(dir, "k.db");
			let last = -1;
			for (let i = 0; i < KILLS / WORKERS; i++) {
				const s = saver(path, last + 1);
				await s.first;
				await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
				s.proc.kill("SIGKILL");
				await new Promise((r) =>
					s.proc.exitCode !== null || s.proc.signalCode !== null ? r(null) : s.proc.once("exit", r),
				);
				last = Math.max(last, ...s.acks);
				const b = await SqliteSessionBackend.open({ database: path, lock: false });
				const loaded = await b.load();
				await b.close();
				expect(loaded?.updatesState.pts, `worker ${w}, kill ${i}`).toBeGreaterThanOrEqual(last);
				expect(loaded?.dcs[0]?.firstSalt).toBe(BigInt(loaded?.updatesState.pts ?? -1));
				expect(loaded?.peers.length).toBe(((loaded?.updatesState.pts ?? 0) * 397) % 2000);
				last = loaded?.updatesState.pts ?? last;
			}
		};
		await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
	}, 300_000);
});
