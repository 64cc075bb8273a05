import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { decodeNativeString } from "@x/session-core";
import { describe, expect, it } from "vitest";

const here = new URL("..", import.meta.url).pathname;
const tsx = createRequire(import.meta.url).resolve("tsx");

function run(
	args: string[],
	env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, "src/main.ts", ...args],
		{
			cwd: here,
			env: { ...process.env, ...env },
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (d) => {
		stdout += d;
	});
	child.stderr.on("data", (d) => {
		stderr += d;
	});
	return new Promise((r) => child.on("exit", (code) => r({ code, stdout, stderr })));
}

describe("serverless-string", () => {
	it("login prints one string; invocations restore from it; a migration prints a new one", async () => {
		const login = await run(["login"]);
		expect(login.code, login.stderr).toBe(0);
		const value = login.stdout.trim();
		expect(value.split("\n")).toHaveLength(1);
		expect(decodeNativeString(value).homeDcId).toBe(2);
		expect(login.stderr).toContain("store this string as TG_SESSION");

		const plain = await run(["handle"], { TG_SESSION: value });
		expect(plain.code, plain.stderr).toBe(0);
		expect(plain.stdout).toBe(
			"restored: home DC 2, keys for DC 2\nsession unchanged; nothing to store\n",
		);

		const migrated = await run(["handle", "--migrate"], { TG_SESSION: value });
		expect(migrated.code, migrated.stderr).toBe(0);
		const next = migrated.stdout.trim().split("\n").at(-1) as string;
		const restored = decodeNativeString(next);
		expect(restored.homeDcId).toBe(4);
		expect(restored.dcs.map((d) => d.dcId).sort()).toEqual([2, 4]);

		const again = await run(["handle"], { TG_SESSION: next });
		expect(again.stdout).toContain("restored: home DC 4, keys for DC 2, 4");
		expect((await run(["handle"], { TG_SESSION: "" })).code).toBe(3);
	}, 60_000);
});
