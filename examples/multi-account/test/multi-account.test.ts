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
