import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const here = new URL("..", import.meta.url).pathname;
const tsx = createRequire(import.meta.url).resolve("tsx");
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run(db: string): Promise<{ code: number | null; out: string }> {
	const env = { ...process.env };
	for (const name of ["BOT_TOKEN", "API_ID", "API_HASH"]) delete env[name];
	const child = spawn(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, "src/main.ts", "--db", db],
		{ cwd: here, env, stdio: ["ignore", "pipe", "pipe"] },
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

describe("gramjs-bot (offline)", () => {
	it("a first run stores a key and entities in SQLite; the second resumes and resolves them offline", async () => {
		const dir = mkdtempSync(join(tmpdir(), "xs-gramjs-bot-"));
		dirs.push(dir);
		const db = join(dir, "bot.db");
		const first = await run(db);
		expect(first.code, first.out).toBe(0);
		expect(first.out).toContain("no session yet");
		expect(statSync(db).mode & 0o777).toBe(0o600);
		const second = await run(db);
		expect(second.code, second.out).toBe(0);
		expect(second.out).toMatch(/resumed: home DC 4 at 149\.154\.167\.91, auth key stored/);
		expect(second.out).toContain("@gramjs_demo resolved offline: InputPeerUser 777000123");
		expect(second.out).toContain("channel -1001234567 resolved offline: InputPeerChannel");
		// the README shows the two runs line for line
		const readme = readFileSync(join(here, "README.md"), "utf8");
		const shown = /```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
		const runs = shown.split(/^\$ .*\n/m).filter(Boolean);
		expect(runs).toEqual([first.out, second.out]);
	}, 60_000);
});
