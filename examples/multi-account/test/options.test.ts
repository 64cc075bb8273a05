// --help with and without pnpm's `--`, and bad options refused in one line with exit code 2.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeOptions } from "../../shared/options-tests.js";

describeOptions(new URL("..", import.meta.url).pathname, "src/main.ts", [
	{ args: ["--ticks", "abc"], says: "--ticks" },
	{ args: ["--", "--ticks", "0"], says: "--ticks" },
	{ args: ["--accounts", ","], says: "--accounts" },
	{ args: ["--count", "0"], says: "--count" },
	{ args: ["--database", "x.db"], says: "--database" },
]);

// what the README says to type, through the pinned pnpm itself (it passes the `--` on)
describe("pnpm start", () => {
	const pnpm = (args: string[]) =>
		spawnSync("pnpm", ["--silent", "start", ...args], {
			cwd: new URL("..", import.meta.url).pathname,
			encoding: "utf8",
			timeout: 120_000,
		});

	it.each([[["--", "--help"]], [["--help"]]])(
		"%j prints the usage",
		(args) => {
			const run = pnpm(args);
			expect(run.error).toBeUndefined();
			expect(run.status).toBe(0);
			expect(run.stdout).toMatch(/^usage: pnpm start/);
		},
		120_000,
	);

	it("runs, and `pnpm exec x-session list` then lists its accounts", () => {
		const dir = mkdtempSync(join(tmpdir(), "xs-multi-readme-"));
		try {
			const db = join(dir, "accounts.db");
			const run = pnpm(["--", "--db", db, "--accounts", "alice,bob", "--ticks", "1"]);
			expect(run.status, run.stderr).toBe(0);
			const list = spawnSync("pnpm", ["exec", "x-session", "list", `sqlite:${db}`], {
				cwd: new URL("..", import.meta.url).pathname,
				encoding: "utf8",
				timeout: 120_000,
			});
			expect(list.status, list.stderr).toBe(0);
			expect(list.stdout).toMatch(/alice[\s\S]*bob/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}, 120_000);

	it("-- --ticks abc is refused in one line", () => {
		const run = pnpm(["--", "--ticks", "abc"]);
		expect(run.status).not.toBe(0);
		expect(run.stderr.trim()).toBe(
			'multi-account: --ticks must be a whole number of at least 1, not "abc" (see --help)',
		);
	}, 120_000);
});
