// The conformance suite is runner-agnostic: this runs all of it under Node's own test runner
// (node --test, in a child process) against the memory and file backends, and checks from the TAP
// report that every registered test ran and passed, or skipped itself for a missing capability.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runConformanceSuite, type TestRunner } from "../src/testing/index.js";
import { harnesses } from "./node-runner/harnesses.js";

const tsx = createRequire(import.meta.url).resolve("tsx");
const entry = join(import.meta.dirname, "node-runner", "conformance.node.ts");

/** How many tests the suite registers for each harness (registration only: nothing runs). */
function registered(): number {
	let count = 0;
	const runner: TestRunner = {
		describe: (_name, fn) => fn(),
		it: () => {
			count++;
		},
	};
	for (const harness of harnesses) runConformanceSuite(runner, harness);
	return count;
}

function nodeTest(): Promise<{ code: number | null; out: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			["--test", "--test-reporter=tap", "--conditions=@x/source", "--import", tsx, entry],
			{ stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } },
		);
		let out = "";
		child.stdout.on("data", (d) => {
			out += d;
		});
		child.stderr.on("data", (d) => {
			out += d;
		});
		child.on("error", reject);
		child.on("exit", (code) => resolve({ code, out }));
	});
}

it("the whole suite runs under node:test: every test passes or skips itself, none fails", async () => {
	const total = registered();
	expect(total).toBeGreaterThan(100);
	const { code, out } = await nodeTest();
	const summary = (key: string) => {
		const m = new RegExp(`^# ${key} (\\d+)$`, "m").exec(out);
		if (!m) throw new Error(`no "# ${key}" line in the node --test output:\n${out.slice(-3000)}`);
		return Number(m[1]);
	};
	const failures = out.split("\n").filter((l) => /^\s*not ok /.test(l));
	expect(failures, out.slice(-3000)).toEqual([]);
	expect(code, out.slice(-3000)).toBe(0);
	expect(summary("fail")).toBe(0);
	expect(summary("cancelled")).toBe(0);
	expect(summary("tests")).toBe(total);
	expect(summary("pass") + summary("skipped")).toBe(total);
	// the memory backend is not persistent: those tests skip through node:test's context, and the
	// file backend runs them
	expect(out).toContain("# SKIP memory declares persistent: false");
	expect(out).not.toContain("# SKIP file declares persistent: false");
	expect(summary("pass")).toBeGreaterThan(total * 0.8);
}, 240_000);
