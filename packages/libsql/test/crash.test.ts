// SIGKILL at random moments while a child process writes to a local libSQL database, and while it
// opens one: the next open succeeds at once (the dead holder's lease is taken over), and the
// database holds the last acknowledged state or a later one, never a mix.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LibsqlSessionBackend } from "../src/index.js";

const tsx = createRequire(import.meta.url).resolve("tsx");
const KILLS = Number(process.env.XS_KILL_ITERATIONS ?? 100);
const WORKERS = 4;
const dirs: string[] = [];
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The writer child, whether it started open(), and the states it acknowledged so far. */
function writer(
	path: string,
	start: number,
): { proc: ChildProcess; acks: number[]; opening: () => boolean } {
	const script = join(import.meta.dirname, "child", "writer.ts");
	const proc = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, script, path, String(start)],
		{ stdio: ["ignore", "pipe", "ignore"] },
	);
	const acks: number[] = [];
	let opening = false;
	let buffer = "";
	proc.stdout?.on("data", (d: Buffer) => {
		const lines = (buffer + d.toString()).split("\n");
		buffer = lines.pop() ?? "";
		for (const l of lines) {
			if (l === "opening") opening = true;
			else if (l.startsWith("ack ")) acks.push(Number(l.slice(4)));
		}
	});
	return { proc, acks, opening: () => opening };
}

async function killAfter(proc: ChildProcess, ready: () => boolean, maxDelayMs: number) {
	while (!ready() && proc.exitCode === null) await new Promise((r) => setTimeout(r, 5));
	await new Promise((r) => setTimeout(r, Math.floor(Math.random() * maxDelayMs)));
	proc.kill("SIGKILL");
	if (proc.exitCode === null && proc.signalCode === null)
		await new Promise((r) => proc.once("exit", r));
}

/** Opens with the defaults (lockWaitMs 0) and checks the state against the last acknowledged. */
async function reopenAndCheck(path: string, last: number, where: string): Promise<number> {
	const b = await LibsqlSessionBackend.open({ url: `file:${path}` });
	try {
		const loaded = await b.load();
		if (last < 0 && !loaded) return last;
		const pts = loaded?.updatesState.pts ?? -1;
		expect(pts, where).toBeGreaterThanOrEqual(last);
		// a granular write sets the salt before the pts: the salt is at least the pts
		expect(loaded?.dcs[0]?.firstSalt, where).toBeGreaterThanOrEqual(BigInt(pts));
		return pts;
	} finally {
		await b.close();
	}
}

describe("crash safety (local libSQL)", () => {
	it(`SIGKILL at ${KILLS} random moments while writing: an acknowledged state or a later one`, async () => {
		const tally = { kills: 0, acked: 0 };
		const worker = async (w: number) => {
			const dir = mkdtempSync(join(tmpdir(), "xs-libsql-kill-"));
			dirs.push(dir);
			const path = join(dir, "k.db");
			let last = -1;
			for (let i = 0; i < KILLS / WORKERS; i++) {
				const child = writer(path, last + 1);
				await killAfter(child.proc, () => child.acks.length > 0, 40);
				tally.kills++;
				tally.acked += child.acks.length;
				last = Math.max(last, ...child.acks);
				last = await reopenAndCheck(path, last, `worker ${w}, kill ${i}`);
			}
		};
		await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
		console.log(`libSQL write kills: ${tally.kills}, acknowledged writes checked: ${tally.acked}`);
	}, 300_000);

	it(`SIGKILL at ${KILLS} random moments during open(): the next open succeeds at once`, async () => {
		const tally = { kills: 0, beforeFirstWrite: 0 };
		const worker = async (w: number) => {
			const dir = mkdtempSync(join(tmpdir(), "xs-libsql-open-kill-"));
			dirs.push(dir);
			const path = join(dir, "k.db");
			let last = -1;
			for (let i = 0; i < KILLS / WORKERS; i++) {
				const child = writer(path, last + 1);
				// open() takes a few milliseconds: most kills land inside it
				await killAfter(child.proc, child.opening, 15);
				tally.kills++;
				if (child.acks.length === 0) tally.beforeFirstWrite++;
				last = Math.max(last, ...child.acks);
				last = await reopenAndCheck(path, last, `worker ${w}, open kill ${i}`);
			}
		};
		await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
		console.log(
			`libSQL open kills: ${tally.kills}, ${tally.beforeFirstWrite} before the first write resolved`,
		);
		expect(tally.beforeFirstWrite).toBeGreaterThan(tally.kills / 2);
	}, 300_000);
});
