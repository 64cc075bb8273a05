// For the backends' tests that need another process (a lease holder, a reader): starts a
// TypeScript script under tsx with the @x/source condition, and waits until it says it is ready.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";

export interface ReadyChild {
	child: ChildProcess;
	/** Settles when the process has exited, with its exit code. */
	exited: Promise<number | null>;
}

/**
 * Runs `script` with `args`; resolves once its stdout holds `ready`, rejects if it exits first.
 * Its stderr goes to the test's.
 */
export async function startChild(
	script: string,
	args: readonly string[],
	ready: string,
): Promise<ReadyChild> {
	const tsx = createRequire(import.meta.url).resolve("tsx");
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, script, ...args],
		{ stdio: ["ignore", "pipe", "inherit"] },
	);
	const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
	await new Promise<void>((resolve, reject) => {
		let out = "";
		child.stdout?.on("data", (d: Buffer) => {
			out += d;
			if (out.includes(ready)) resolve();
		});
		child.once("exit", (code) => reject(new Error(`${script} exited (${code}) before "${ready}"`)));
	});
	return { child, exited };
}
