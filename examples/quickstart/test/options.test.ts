// --help with and without pnpm's `--`, and bad options refused in one line with exit code 2.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { describeOptions } from "../../shared/options-tests.js";

describeOptions(new URL("..", import.meta.url).pathname, "src/main.ts", [
	{ args: ["--ticks", "abc"], says: "--ticks" },
	{ args: ["--", "--interval", "-5"], says: "--interval" },
	{ args: ["--backend", "mongodb"], says: 'unknown backend "mongodb"' },
	{ args: ["--nope"], says: "--nope" },
	{ args: ["--ticks"], says: "--ticks" },
	{ args: ["extra"], says: "unexpected argument" },
]);

describe("bash scripts/quickstart.sh (installs first, quietly)", () => {
	const root = new URL("../../..", import.meta.url).pathname;
	const quickstart = (args: string[]) =>
		spawnSync("bash", ["scripts/quickstart.sh", ...args], {
			cwd: root,
			encoding: "utf8",
			timeout: 300_000,
		});

	it("--help prints the usage and exits 0", () => {
		const run = quickstart(["--help"]);
		expect(run.stderr).toBe("");
		expect(run.status).toBe(0);
		expect(run.stdout).toMatch(/^usage: bash scripts\/quickstart.sh/);
	}, 300_000);

	it("--ticks abc is refused in one line, exit 2, no stack trace", () => {
		const run = quickstart(["--ticks", "abc"]);
		expect(run.status).toBe(2);
		expect(run.stdout).toBe("");
		expect(run.stderr.trim()).toBe(
			'quickstart: --ticks must be a whole number of at least 1, not "abc" (see --help)',
		);
	}, 300_000);
});
