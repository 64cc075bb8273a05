// Runs rival.ts in a child process for the length of one load (see there).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendName, Location } from "./stores.js";

export interface RivalTask {
	backend: BackendName;
	at: Location;
	sessionIds: string[];
	leaseTtlMs: number;
}

export interface RivalResult {
	attempts: number;
	takeovers: number;
	errors: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** Starts the rival and resolves once it is ready; `go()` starts its attempts, `stop()` ends them. */
export async function startRival(
	task: RivalTask,
): Promise<{ go(): void; stop(): Promise<RivalResult> }> {
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", "tsx", join(here, "rival.ts"), JSON.stringify(task)],
		{ stdio: ["pipe", "pipe", "inherit"] },
	);
	let out = "";
	child.stdout.setEncoding("utf8");
	await new Promise<void>((resolve, reject) => {
		child.stdout.on("data", (d: string) => {
			out += d;
			if (out.includes("ready\n")) resolve();
		});
		child.on("exit", (code) => reject(new Error(`the rival process exited with ${code}`)));
	});
	const exited = new Promise<void>((r) => child.on("exit", () => r()));
	return {
		go: () => child.stdin.write("go\n"),
		stop: async () => {
			child.stdin.end("stop\n");
			await exited;
			const last = out.trim().split("\n").pop() ?? "{}";
			return JSON.parse(last) as RivalResult;
		},
	};
}
