// The secret-leak audit, part two: the examples, run as the processes a user starts, through
// success and failure paths. Whatever auth keys they stored are read back afterwards, and their
// output (stdout and stderr) is searched for any printable form of those keys.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSession, type PersistedSession } from "@x/session-core";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { StringSessionBackend } from "@x/session-string";
import { afterAll, describe, expect, it } from "vitest";
import { root } from "./helpers.js";

const tsx = createRequire(join(root, "package.json")).resolve("tsx");
const dirs: string[] = [];
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
	const d = mkdtempSync(join(tmpdir(), "xs-audit-ex-"));
	dirs.push(d);
	return d;
}

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}
/** Runs an example's entry point the way its `start` script does. */
function example(name: string, entry: string, args: string[], env: Record<string, string> = {}) {
	return new Promise<Run>((resolve, reject) => {
		const child = spawn(
			process.execPath,
			["--conditions=@x/source", "--import", tsx, entry, ...args],
			{
				cwd: join(root, "examples", name),
				// offline: no Telegram credentials reach the examples
				env: {
					...process.env,
					BOT_TOKEN: undefined,
					API_ID: undefined,
					API_HASH: undefined,
					...env,
				},
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
		const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
		child.on("error", reject);
		child.on("exit", (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}

/** Printable forms of a key: hex (both cases), spaced hex, byte lists, base64 and base64url at three alignments. */
function formsOf(key: Uint8Array): string[] {
	const b = Buffer.from(key);
	const out = [b.toString("hex").slice(0, 20), b.toString("hex").toUpperCase().slice(0, 20)];
	out.push(Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" "));
	out.push(Array.from(b.subarray(0, 6)).join(","));
	for (let o = 0; o < 3; o++) {
		const b64 = b.subarray(o).toString("base64").slice(0, 16);
		out.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
	}
	return out;
}
const keysOf = (s: PersistedSession | null) =>
	(s?.dcs ?? []).flatMap((d) => (d.authKey ? [d.authKey.expose()] : []));
async function sqliteKeys(database: string, sessionId: string): Promise<Uint8Array[]> {
	const b = await SqliteSessionBackend.open({ database, sessionId, lock: false });
	try {
		return keysOf(await b.load());
	} finally {
		await b.close();
	}
}

const outputs: { where: string; text: string }[] = [];
const keys: Uint8Array[] = [];

describe("secret-leak audit of the examples", () => {
	it("no example prints a key it stored, on success or failure", async () => {
		// quickstart: first run (log in), second run (resume), then a damaged file, on file and sqlite
		const qs = tempDir();
		for (const backend of ["file", "sqlite"]) {
			for (let i = 0; i < 2; i++) {
				const r = await example("quickstart", "src/main.ts", [
					"--backend",
					backend,
					"--data",
					qs,
					"--ticks",
					"3",
					"--interval",
					"10",
				]);
				expect(r.code, r.stdout + r.stderr).toBe(0);
				outputs.push({ where: `quickstart ${backend} run ${i}`, text: r.stdout + r.stderr });
			}
		}
		const file = join(qs, "bot.session");
		keys.push(...keysOf(decodeSession(new Uint8Array(readFileSync(file)))));
		keys.push(...(await sqliteKeys(join(qs, "bot.sqlite"), "bot")));
		const bytes = readFileSync(file);
		writeFileSync(file, bytes.subarray(0, bytes.length - 7), { mode: 0o600 });
		const damaged = await example("quickstart", "src/main.ts", ["--data", qs, "--ticks", "1"]);
		expect(damaged.code).not.toBe(0);
		outputs.push({ where: "quickstart damaged file", text: damaged.stdout + damaged.stderr });

		// multi-account: three accounts in one database, and the same database again (accounts resume)
		const ma = join(tempDir(), "accounts.db");
		for (let i = 0; i < 2; i++) {
			const r = await example("multi-account", "src/main.ts", ["--db", ma, "--ticks", "2"]);
			expect(r.code, r.stdout + r.stderr).toBe(0);
			outputs.push({ where: `multi-account run ${i}`, text: r.stdout + r.stderr });
		}
		for (const id of ["alice", "bob", "carol"]) keys.push(...(await sqliteKeys(ma, id)));

		// serverless-string: `login` and `handle --migrate` print the session string on stdout by
		// design (it is what the user stores); their stderr, and everything else, must not show a key
		const login = await example("serverless-string", "src/main.ts", ["login"]);
		expect(login.code, login.stderr).toBe(0);
		outputs.push({ where: "serverless login (stderr)", text: login.stderr });
		const stored = login.stdout.trim();
		keys.push(...keysOf(await new StringSessionBackend(stored).load()));
		const handle = await example("serverless-string", "src/main.ts", ["handle"], {
			TG_SESSION: stored,
		});
		expect(handle.code, handle.stderr).toBe(0);
		outputs.push({ where: "serverless handle", text: handle.stdout + handle.stderr });
		const migrate = await example("serverless-string", "src/main.ts", ["handle", "--migrate"], {
			TG_SESSION: stored,
		});
		expect(migrate.code, migrate.stderr).toBe(0);
		outputs.push({ where: "serverless migrate (stderr)", text: migrate.stderr });
		const broken = await example("serverless-string", "src/main.ts", ["handle"], {
			TG_SESSION: stored.slice(0, -9),
		});
		expect(broken.code).not.toBe(0);
		outputs.push({ where: "serverless damaged string", text: broken.stdout + broken.stderr });

		// gramjs-bot, offline: first login and a restart
		const gdb = join(tempDir(), "gramjs-bot.db");
		for (let i = 0; i < 2; i++) {
			const r = await example("gramjs-bot", "src/main.ts", ["--db", gdb]);
			expect(r.code, r.stdout + r.stderr).toBe(0);
			outputs.push({ where: `gramjs-bot run ${i}`, text: r.stdout + r.stderr });
		}
		keys.push(...(await sqliteKeys(gdb, "gramjs-bot")));

		// the audit looked at real keys (login runs stored several) and at real output
		expect(keys.length).toBeGreaterThanOrEqual(8);
		expect(outputs.every((o) => o.text.length > 0)).toBe(true);
		const forms = keys.flatMap(formsOf);
		// the detector works: the login output (the session string) does contain its key
		expect(forms.some((f) => login.stdout.includes(f))).toBe(true);
		const found = outputs.flatMap((o) => {
			const squeezed = o.text.replace(/\s+/g, "");
			return forms
				.filter((f) => o.text.includes(f) || squeezed.includes(f.replace(/\s+/g, "")))
				.map((f) => `${o.where}: ${f}`);
		});
		expect(found).toEqual([]);
	}, 240_000);
});
