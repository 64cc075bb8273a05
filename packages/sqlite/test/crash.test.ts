// SIGKILL at random moments while a child process saves, and while it opens: the database always
// opens at once and holds the last acknowledged state or a later one, never a mix.
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
): { proc: ChildProcess; acks: number[]; first: Promise<void>; opening: Promise<void> } {
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
	let opened = () => {};
	const opening = new Promise<void>((resolve) => {
		opened = resolve;
	});
	const first = new Promise<void>((resolve, reject) => {
		let buffer = "";
		proc.stdout?.on("data", (d: Buffer) => {
			buffer += d.toString();
			const lines = buffer.split("\n");
			buffer = lines.pop() ?? "";
			for (const l of lines) {
				if (l === "opening") opened();
				else if (l.startsWith("ack ")) acks.push(Number(l.slice(4)));
			}
			if (acks.length > 0) resolve();
		});
		proc.once("exit", (code) =>
			reject(new Error(`saver exited (${code}) before saving: ${stderr}`)),
		);
	});
	// a child killed before its first save rejects `first`; callers that expect that ignore it
	first.catch(() => undefined);
	return { proc, acks, first, opening };
}

async function killed(proc: ChildProcess): Promise<void> {
	proc.kill("SIGKILL");
	await new Promise((r) =>
		proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once("exit", r),
	);
}

/** Opens with the defaults (lockWaitMs 0), checks the state, and returns its pts. */
async function reopenAndCheck(path: string, last: number, where: string): Promise<number> {
	const b = await SqliteSessionBackend.open({ database: path });
	const loaded = await b.load();
	await b.close();
	if (!loaded && last < 0) return last;
	expect(loaded?.updatesState.pts, where).toBeGreaterThanOrEqual(last);
	expect(loaded?.dcs[0]?.firstSalt).toBe(BigInt(loaded?.updatesState.pts ?? -1));
	expect(loaded?.peers.length).toBe(((loaded?.updatesState.pts ?? 0) * 397) % 2000);
	return loaded?.updatesState.pts ?? last;
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
				await killed(s.proc);
				last = Math.max(last, ...s.acks);
				last = await reopenAndCheck(path, last, `worker ${w}, kill ${i}`);
			}
		};
		await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
	}, 300_000);

	it(`SIGKILL at ${KILLS} random moments during open(): the next open succeeds at once`, async () => {
		const tally = { kills: 0, beforeFirstSave: 0 };
		const worker = async (w: number) => {
			const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-open-kill-"));
			dirs.push(dir);
			const path = join(dir, "k.db");
			let last = -1;
			for (let i = 0; i < KILLS / WORKERS; i++) {
				const s = saver(path, last + 1);
				await s.opening;
				// open() takes a few milliseconds: most kills land inside it
				await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10)));
				await killed(s.proc);
				tally.kills++;
				if (s.acks.length === 0) tally.beforeFirstSave++;
				last = Math.max(last, ...s.acks);
				last = await reopenAndCheck(path, last, `worker ${w}, open kill ${i}`);
			}
		};
		await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
		console.log(
			`SQLite open kills: ${tally.kills}, ${tally.beforeFirstSave} before the first save resolved`,
		);
		expect(tally.beforeFirstSave).toBeGreaterThan(tally.kills / 2);
	}, 300_000);
});
