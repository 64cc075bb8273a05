// --help with and without pnpm's `--`, and bad options refused in one line with exit code 2.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { describeOptions } from "../../shared/options-tests.js";

describeOptions(new URL("..", import.meta.url).pathname, "src/main.ts", [
	{ args: ["--ticks", "abc"], says: "--ticks" },
	{ args: ["--", "--ticks", "0"], says: "--ticks" },
	{ args: ["--accounts", ","], says: "--accounts" },
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

	it("-- --ticks abc is refused in one line", () => {
		const run = pnpm(["--", "--ticks", "abc"]);
		expect(run.status).not.toBe(0);
		expect(run.stderr.trim()).toBe(
			'multi-account: --ticks must be a whole number of at least 1, not "abc" (see --help)',
		);
	}, 120_000);
});
