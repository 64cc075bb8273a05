// The tests every example program shares: `--help` (with and without pnpm's `--`), and bad
// options ending in one line on stderr, exit code 2 and no stack trace.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");

/** Runs an example's entry file as `pnpm start` does, with `args`. */
export function runExample(
	cwd: string,
	entry: string,
	args: string[],
	env: NodeJS.ProcessEnv = {},
) {
	const result = spawnSync(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, entry, ...args],
		{ cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } },
	);
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `bad`: argument lists that must be refused, each with a word the one-line message contains. */
export function describeOptions(
	cwd: string,
	entry: string,
	bad: { args: string[]; says: string }[],
	env: NodeJS.ProcessEnv = {},
): void {
	describe(`${entry} options`, () => {
		it.each([[["--help"]], [["--", "--help"]], [["-h"]]])(
			"%j prints the usage and exits 0",
			(args) => {
				const run = runExample(cwd, entry, args, env);
				expect(run.stderr).toBe("");
				expect(run.status).toBe(0);
				expect(run.stdout).toMatch(/^usage: /);
				expect(run.stdout).toContain("--help");
			},
		);

		it.each(bad.map((b) => [b.args, b.says] as const))(
			"%j is refused with one line naming it, exit 2",
			(args, says) => {
				const run = runExample(cwd, entry, args, env);
				expect(run.status).toBe(2);
				expect(run.stdout).toBe("");
				const lines = run.stderr.trim().split("\n");
				expect(lines).toHaveLength(1);
				expect(lines[0]).toContain(says);
				expect(lines[0]).toContain("see --help");
				expect(run.stderr).not.toMatch(/\n\s+at /);
			},
		);
	});
}
