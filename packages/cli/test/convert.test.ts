import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
	decodeNativeString,
	decodeSession,
	encodeSession,
	normalizeSession,
	sessionsEqual,
} from "@x/session-core";
import { describe, expect, it } from "vitest";
import {
	cli,
	leakedSecret,
	nativeString,
	sampleSession,
	sessionFileFixture,
	writeSessionFile,
} from "./helpers.js";

const { dir, file, session, secrets } = sessionFileFixture();

describe("x-session convert", () => {
	it("to string: prints only the native string, which decodes to the source", async () => {
		const r = await cli(["convert", `file:${file}`, "string:"]);
		expect(r.code).toBe(0);
		expect(r.stderr).toBe("");
		expect(r.stdout.trim().split("\n")).toHaveLength(1);
		expect(sessionsEqual(decodeNativeString(r.stdout.trim()), session)).toBe(true);
		const env = await cli(["convert", `file:${file}`, "env:TG_SESSION"]);
		expect(env.stdout).toBe(r.stdout);
	});

	it("between strings: compact with --user-id, and env -> string", async () => {
		const compact = await cli([
			"convert",
			`file:${file}`,
			"string:",
			"--format",
			"compact",
			"--user-id",
			"99",
		]);
		expect(compact.code).toBe(0);
		const back = await cli(["inspect", "string:-", "--json"], { input: compact.stdout });
		expect(JSON.parse(back.stdout)).toMatchObject({
			format: "compact-string",
			userId: "99",
			homeDcId: 2,
		});
		const viaEnv = await cli(["convert", "env:S", "string:-"], {
			env: { S: nativeString(session) },
		});
		expect(viaEnv.code).toBe(0);
		expect(sessionsEqual(decodeNativeString(viaEnv.stdout), session)).toBe(true);
	});

	it("usage errors: same location, a valued string: target, --format on a store target", async () => {
		const same = await cli(["convert", `file:${file}`, `file:${file}`]);
		expect(same.code).toBe(2);
		expect(same.stderr).toBe("x-session: convert: FROM and TO are the same location\n");
		const valued = await cli(["convert", `file:${file}`, "string:abc"]);
		expect(valued.code).toBe(2);
		expect(valued.stderr).toMatch(/a string: target takes no value/);
		expect(
			(await cli(["convert", `file:${file}`, `file:${join(dir, "x")}`, "--format", "native"])).code,
		).toBe(2);
		expect((await cli(["convert", `file:${file}`])).stderr).toBe(
			"x-session: convert: missing TO (see x-session convert --help)\n",
		);
	});

	it("a missing source is exit 3 and creates nothing", async () => {
		const target = join(dir, "never.session");
		const r = await cli(["convert", `file:${join(dir, "missing.session")}`, `file:${target}`]);
		expect(r.code).toBe(3);
		expect(existsSync(target)).toBe(false);
	});

	it("with X_SESSION_PROGRESS=1 a large conversion draws a bar on stderr only; quiet otherwise", async () => {
		const big = sampleSession(60_000).session;
		const bigFile = join(dir, "big.session");
		writeSessionFile(bigFile, big);
		const quiet = await cli(["convert", `file:${bigFile}`, "string:"]);
		expect(quiet.code).toBe(0);
		expect(quiet.stderr).toBe("");
		const loud = await cli(["convert", `file:${bigFile}`, "string:"], {
			env: { X_SESSION_PROGRESS: "1" },
		});
		expect(loud.code).toBe(0);
		expect(loud.stderr).toMatch(/x-session \[[#-]{24}\] 1\/2 reading file:/);
		expect(loud.stderr).toContain("\r\x1b[2K");
		expect(loud.stdout).toBe(quiet.stdout);
		expect(decodeNativeString(loud.stdout.trim()).peers).toHaveLength(60_000);
		const json = await cli(["inspect", `file:${bigFile}`, "--json"], {
			env: { X_SESSION_PROGRESS: "1" },
		});
		expect(JSON.parse(json.stdout).peers.total).toBe(60_000);
	}, 60_000);

	describe("file targets (FileSessionBackend)", () => {
		it("writes a 0600 file that decodes to the source, refuses to overwrite, --force replaces", async () => {
			const target = join(dir, "copy.session");
			const r = await cli(["convert", `string:${nativeString(session)}`, `file:${target}`]);
			expect(r.code).toBe(0);
			expect(r.stdout).toBe(
				`converted string:<${nativeString(session).length} characters> -> file:${target} (3 DCs, 6 peers, 1 min peer; verified)\n`,
			);
			expect(leakedSecret(r.stdout + r.stderr, secrets)).toBeUndefined();
			expect(statSync(target).mode & 0o777).toBe(0o600);
			expect(sessionsEqual(decodeSession(new Uint8Array(readFileSync(target))), session)).toBe(
				true,
			);
			const again = await cli(["convert", `file:${file}`, `file:${target}`]);
			expect(again.code).toBe(1);
			expect(again.stderr).toBe(
				`x-session: file:${target} already holds a session; pass --force to replace it\n`,
			);
			const other = sampleSession(2).session;
			expect(
				(await cli(["convert", `string:${nativeString(other)}`, `file:${target}`, "--force"])).code,
			).toBe(0);
			expect(sessionsEqual(decodeSession(new Uint8Array(readFileSync(target))), other)).toBe(true);
		});

		it("a corrupt target is left alone without --force", async () => {
			const target = join(dir, "corrupt.session");
			writeFileSync(target, Buffer.from([8, 1]), { mode: 0o600 });
			const r = await cli(["convert", `file:${file}`, `file:${target}`]);
			expect(r.code).toBe(1);
			expect(r.stderr).toMatch(/already holds data that does not decode; pass --force/);
			expect(readFileSync(target)).toEqual(Buffer.from([8, 1]));
		});

		it("delete removes the session; --yes is needed without a terminal", async () => {
			const target = join(dir, "del.session");
			writeSessionFile(target, session);
			expect((await cli(["delete", `file:${target}`])).code).toBe(2);
			const r = await cli(["delete", `file:${target}`, "--yes"]);
			expect(r.code).toBe(0);
			expect((await cli(["inspect", `file:${target}`])).code).toBe(3);
		});
	});

	describe("sqlite targets (SqliteSessionBackend)", () => {
		it("file -> sqlite -> file keeps the (de-duplicated) session; list shows the ids", async () => {
			const db = join(dir, "sessions.db");
			const dup = sampleSession().session;
			dup.peers.push({ ...(dup.peers[0] as (typeof dup.peers)[number]), accessHash: 5n });
			const dupFile = join(dir, "dup.session");
			writeFileSync(dupFile, encodeSession(dup));
			expect((await cli(["convert", `file:${dupFile}`, `sqlite:${db}#alice`])).code).toBe(0);
			expect((await cli(["convert", `file:${file}`, `sqlite:${db}#bob`])).code).toBe(0);
			const list = await cli(["list", `sqlite:${db}`]);
			expect(list.stdout).toBe("alice\nbob\n");
			const str = await cli(["convert", `sqlite:${db}#alice`, "string:"]);
			expect(sessionsEqual(decodeNativeString(str.stdout), normalizeSession(dup))).toBe(true);
			expect((await cli(["inspect", `sqlite:${db}#carol`])).code).toBe(3);
			expect((await cli(["inspect", `sqlite:${join(dir, "no.db")}#x`])).code).toBe(3);
			expect(existsSync(join(dir, "no.db"))).toBe(false);
			expect((await cli(["delete", `sqlite:${db}#alice`, "--yes"])).code).toBe(0);
			expect((await cli(["list", `sqlite:${db}`, "--json"])).stdout).toBe('{"sessions":["bob"]}\n');
		});
	});
});
