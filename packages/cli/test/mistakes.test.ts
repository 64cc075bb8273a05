import { spawnSync } from "node:child_process";
import {
	chmodSync,
	existsSync,
	mkdirSync,
	readFileSync,
	statSync,
	truncateSync,
	writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { encodeTelethonString } from "@x/session-convert";
import { encodeSession } from "@x/session-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, telethonAvailable } from "../../convert/test/helpers.js";
import {
	buildCli,
	cleanup,
	cli,
	cliWithoutDacOverride,
	leakedSecret,
	sampleSession,
	tempDir,
	writePyrogramFile,
	writeSessionFile,
} from "./helpers.js";

// The likeliest mistakes, each answered with what was given and what to type instead: another
// client's file or string where ours belongs, a damaged file, a directory, a file others can
// read, a directory that cannot be entered, an empty file, a missing directory.

const dir = tempDir();
const { session, secrets } = sampleSession();
const file = join(dir, "bot.session");
const telethon = await telethonAvailable();

beforeAll(() => {
	buildCli();
	writeSessionFile(file, session);
});
afterAll(() => {
	chmodSync(dir, 0o700);
	cleanup(dir);
});

/** A Telethon .session file with one DC, written by Telethon 1.25 itself. */
function telethonFile(path: string): void {
	const code = `
import sys
from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession
s = SQLiteSession(sys.argv[1])
s.set_dc(2, "149.154.167.51", 443)
s.auth_key = AuthKey(bytes(range(256)))
s.save()
s.close()`;
	const r = spawnSync(PYTHON, ["-c", code, path], { encoding: "utf8" });
	if (r.status !== 0) throw new Error(r.stderr);
}

describe("another format where x-session's binary file belongs", () => {
	it.skipIf(!telethon)(
		"a Telethon .session given as file: says to read it as telethon:",
		async () => {
			const path = join(dir, "anon.session");
			telethonFile(path);
			const before = readFileSync(path);
			const r = await cli(["inspect", `file:${path}`]);
			expect(r.code).toBe(1);
			expect(r.stderr).toBe(
				`x-session: file:${path} is not an x-session binary file: it is a Telethon session file: read it as telethon:${path}\n`,
			);
			expect(readFileSync(path).equals(before)).toBe(true);
		},
	);

	it("a Pyrogram .session given as file: says to read it as pyrogram:", async () => {
		const path = join(dir, "my.session");
		await writePyrogramFile(path, { userId: 777, isBot: false, apiId: 1, key: 3 });
		const r = await cli(["verify", `file:${path}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(`it is a Pyrogram session file: read it as pyrogram:${path}`);
	});

	it("an x-session SQLite store given as file: says to read it as sqlite:", async () => {
		const db = join(dir, "store.db");
		expect((await cli(["convert", `file:${file}`, `sqlite:${db}#bot`])).code).toBe(0);
		const r = await cli(["inspect", `file:${db}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(`it is an x-session SQLite store: read it as sqlite:${db}#SESSION`);
	});

	it("random bytes say they are no session file, not a 'version 241'", async () => {
		const path = join(dir, "random.bin");
		writeFileSync(path, Buffer.from(Array.from({ length: 500 }, (_, i) => (241 + i * 7) % 256)));
		const r = await cli(["inspect", `file:${path}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(
			/is not a session file this x-session reads: unsupported session format version 241 .*not a session at all\. It is not SQLite, text or an encrypted file either; check the path/,
		);
	});

	it("a session string saved as text in a file names its format and the stdin form", async () => {
		const text = encodeTelethonString(session);
		const path = join(dir, "session.txt");
		writeFileSync(path, `${text}\n`);
		const r = await cli(["inspect", `file:${path}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(
			`it holds a telethon session string as text, not a binary session file: read it with telethon:- < ${path}`,
		);
		expect(r.stderr.includes(text.slice(10, 40))).toBe(false);
	});

	it("a Telethon string given as string: says to read it as telethon:", async () => {
		const text = encodeTelethonString(session);
		for (const r of [
			await cli(["inspect", `string:${text}`]),
			await cli(["inspect", "string:-"], { input: text }),
		]) {
			expect(r.code).toBe(1);
			expect(r.stderr).toMatch(
				/is not an x-session string: it is a telethon session string; read it as telethon:- \(from stdin, so it stays out of shell history\)\n$/,
			);
			expect(r.stderr.includes(text.slice(10, 40))).toBe(false);
			expect(leakedSecret(r.stderr, secrets)).toBeUndefined();
		}
	});

	it("a Pyrogram file given as telethon:, and an x-session file, name the right prefix", async () => {
		const pyro = join(dir, "other.session");
		await writePyrogramFile(pyro, { userId: 777, isBot: false, apiId: 1, key: 3 });
		const r = await cli(["inspect", `telethon:${pyro}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(
			`is not a Telethon session file: it is a Pyrogram session file: read it as pyrogram:${pyro}`,
		);
		const ours = join(dir, "ours.session");
		writeSessionFile(ours, session);
		const o = await cli(["inspect", `telethon:${ours}`]);
		expect(o.stderr).toContain(`it is an x-session binary file: read it as file:${ours}`);
	});

	it("telethon:NAME that is a file's name (no ./) says how to write the path", async () => {
		writeSessionFile(join(dir, "plain.bin"), session);
		const r = await cli(["inspect", "telethon:plain.bin"], { cwd: dir });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(
			"a file by that name exists: to read the file write telethon:./plain.bin",
		);
	});
});

describe("damaged files", () => {
	it("a file cut short in the body says truncated, with the path and its size", async () => {
		const path = join(dir, "cut.session");
		writeFileSync(path, encodeSession(session).subarray(0, 60));
		const r = await cli(["inspect", `file:${path}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(
			new RegExp(
				`file:${path} is truncated: its 60 bytes end before the session does \\(truncated session: .*\\); restore it`,
			),
		);
	});

	it("a file cut short in the extension trailer says truncated too", async () => {
		const withMeta = sampleSession().session;
		const peer = withMeta.peers[0];
		if (peer)
			peer.meta = {
				usernames: ["someone"],
				phone: "15550100",
				name: "Some One",
				updatedAt: 1,
				isMin: false,
				data: null,
			};
		const path = join(dir, "cut-trailer.session");
		const bytes = encodeSession(withMeta);
		writeFileSync(path, bytes);
		truncateSync(path, bytes.length - 5);
		const r = await cli(["verify", `file:${path}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(
			`file:${path} is truncated: its ${bytes.length - 5} bytes end before`,
		);
		expect(r.stderr).toContain("the extension trailer holds");
	});
});

describe("paths", () => {
	it("a directory given as sqlite: or file: is a usage error that says to name a file in it", async () => {
		const d = join(dir, "a-directory");
		mkdirSync(d);
		for (const args of [
			["inspect", `sqlite:${d}`],
			["convert", `file:${file}`, `sqlite:${d}`],
			["convert", `file:${file}`, `sqlite:${d}`, "--force"],
			["inspect", `file:${d}`],
			["convert", `file:${file}`, `file:${d}`, "--force"],
		]) {
			const r = await cli(args);
			expect(r.code).toBe(2);
			expect(r.stderr).toContain(`${d} is a directory; give the path of a file in it, e.g. `);
			expect(r.stderr).not.toContain("chmod");
		}
	});

	it("a 0644 file: target says to chmod it (no API option), and nothing is written", async () => {
		const path = join(dir, "loose.session");
		writeSessionFile(path, sampleSession().session);
		chmodSync(path, 0o644);
		const before = readFileSync(path);
		const r = await cli(["convert", `file:${file}`, `file:${path}`, "--force"]);
		expect(r.code).toBe(1);
		expect(r.stderr).toBe(
			`x-session: ${path} has mode 0644: other users can read the auth keys; nothing was written. Run chmod 600 ${path} and convert again\n`,
		);
		expect(readFileSync(path).equals(before)).toBe(true);
	});

	it("a file in a directory that cannot be entered is EACCES, not 'no such file'", async () => {
		const locked = join(dir, "locked");
		mkdirSync(locked);
		writeSessionFile(join(locked, "s.session"), session);
		chmodSync(locked, 0o000);
		const run = cliWithoutDacOverride(["inspect", `file:${join(locked, "s.session")}`]);
		chmodSync(locked, 0o700);
		chmodSync(dir, 0o700);
		expect(run.status).toBe(1);
		expect(run.stderr).toBe(
			`x-session: cannot reach ${join(locked, "s.session")}: permission denied (EACCES) on a directory above it; it may exist. Run x-session as a user who can open ${locked}\n`,
		);
	});

	it("a missing directory: reads create nothing (exit 3); writes create it 0700 for every local target", async () => {
		const base = join(dir, "missing");
		const read = await cli(["inspect", `sqlite:${join(base, "s.db")}`]);
		expect(read.code).toBe(3);
		expect(read.stderr).toContain("no such database");
		expect(existsSync(base)).toBe(false);
		const targets = [
			`file:${join(base, "f", "bot.session")}`,
			`sqlite:${join(base, "s", "sessions.db")}#bot`,
			`libsql:file:${join(base, "l", "sessions.db")}#bot`,
			`telethon:${join(base, "t", "anon.session")}`,
		];
		for (const target of targets) {
			const r = await cli(["convert", `file:${file}`, target]);
			expect(r.stderr.replace(/^x-session: warning: .*\n/gm, "")).toBe("");
			expect(r.code).toBe(0);
		}
		for (const sub of ["f", "s", "l", "t"])
			expect(statSync(join(base, sub)).mode & 0o777).toBe(0o700);
	});
});

describe("an empty file", () => {
	it("is described the same way by inspect, verify and convert, and --force replaces it", async () => {
		const path = join(dir, "empty.session");
		writeFileSync(path, "", { mode: 0o600 });
		const what = `file:${path} is an empty file (0 bytes): it holds no session`;
		const inspect = await cli(["inspect", `file:${path}`]);
		const verify = await cli(["verify", `file:${path}`]);
		const from = await cli(["convert", `file:${path}`, "string:"]);
		const to = await cli(["convert", `file:${file}`, `file:${path}`]);
		for (const r of [inspect, verify, from]) {
			expect(r.code).toBe(3);
			expect(r.stderr).toContain(what);
		}
		expect(to.code).toBe(1);
		expect(to.stderr).toContain(`${what} (x-session never writes an empty file`);
		expect(to.stderr).toContain("; pass --force to replace it");
		expect(statSync(path).size).toBe(0);
		const forced = await cli(["convert", `file:${file}`, `file:${path}`, "--force"]);
		expect(forced.code).toBe(0);
		expect(statSync(path).size).toBeGreaterThan(0);
	});
});
