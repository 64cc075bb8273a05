import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { afterAll, describe, expect, it } from "vitest";

const here = new URL("..", import.meta.url).pathname;
const tsx = createRequire(import.meta.url).resolve("tsx");
const dir = mkdtempSync(join(tmpdir(), "xs-multi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; out: string }> {
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, "src/main.ts", ...args],
		{
			cwd: here,
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let out = "";
	child.stdout.on("data", (d) => {
		out += d;
	});
	child.stderr.on("data", (d) => {
		out += d;
	});
	return new Promise((r) => child.on("exit", (code) => r({ code, out })));
}

describe("multi-account (one SQLite database)", () => {
	it("runs three accounts concurrently, each locked to one instance, and resumes them", async () => {
		const db = join(dir, "accounts.db");
		const first = await run(["--db", db, "--accounts", "alice,bob,carol", "--ticks", "5"]);
		expect(first.code, first.out).toBe(0);
		for (const id of ["alice", "bob", "carol"]) {
			expect(first.out).toContain(`[${id}] a second instance of this account is refused (locked)`);
			expect(first.out).toContain(`[${id}] logged in`);
			expect(first.out).toContain(`[${id}] stopped at pts 5`);
		}
		const second = await run(["--db", db, "--accounts", "alice,bob,carol", "--ticks", "2"]);
		expect(second.code, second.out).toBe(0);
		for (const id of ["alice", "bob", "carol"]) {
			expect(second.out).toMatch(new RegExp(`\\[${id}\\] resumed on DC \\d at pts 5`));
			expect(second.out).toContain(`[${id}] stopped at pts 7`);
		}
		for (const id of ["alice", "bob", "carol"]) {
			const b = await SqliteSessionBackend.open({ database: db, sessionId: id });
			expect((await b.load())?.peers).toHaveLength(7);
			await b.close();
		}
	}, 60_000);
});

describe("multi-account (many accounts, Ctrl-C)", () => {
	it("runs 100 generated accounts on one file and resumes them all", async () => {
		const db = join(dir, "many.db");
		const first = await run(["--db", db, "--count", "100", "--ticks", "2"]);
		expect(first.code, first.out).toBe(0);
		expect(first.out).toContain("100 accounts: 100 stopped, 0 lost their lease, 0 failed");
		// above ten accounts only the summary is printed
		expect(first.out).not.toContain("[acc-1]");
		const second = await run(["--db", db, "--count", "100", "--ticks", "1"]);
		expect(second.code, second.out).toBe(0);
		expect(await SqliteSessionBackend.listSessions({ database: db })).toHaveLength(100);
		for (const id of ["acc-1", "acc-50", "acc-100"]) {
			const b = await SqliteSessionBackend.open({ database: db, sessionId: id });
			expect((await b.load())?.updatesState.pts).toBe(3);
			await b.close();
		}
	}, 120_000);

	it("stops every account on SIGINT and releases their leases", async () => {
		const db = join(dir, "sigint.db");
		const child = spawn(
			process.execPath,
			["--conditions=@x/source", "--import", tsx, "src/main.ts", "--db", db, "--ticks", "1000000"],
			{ cwd: here, stdio: ["ignore", "pipe", "pipe"] },
		);
		let out = "";
		const loggedIn = new Promise<void>((resolve) => {
			const seen = (d: Buffer) => {
				out += d;
				if (["alice", "bob", "carol"].every((id) => out.includes(`[${id}] logged in`))) resolve();
			};
			child.stdout.on("data", seen);
			child.stderr.on("data", seen);
		});
		await loggedIn;
		const exited = new Promise<number | null>((r) => child.on("exit", r));
		child.kill("SIGINT");
		expect(await exited, out).toBe(0);
		expect(out).toContain("SIGINT: stopping 3 accounts");
		expect(out).toContain("3 accounts: 3 stopped, 0 lost their lease, 0 failed");
		// closed: each account opens again at once (lockWaitMs 0), its updates kept
		for (const id of ["alice", "bob", "carol"]) {
			const b = await SqliteSessionBackend.open({ database: db, sessionId: id });
			expect((await b.load())?.updatesState.pts).toBeGreaterThanOrEqual(0);
			await b.close();
		}
	}, 120_000);
});
