import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, leakedSecret, nativeString, sessionFileFixture } from "./helpers.js";

const { dir, file, session, secrets } = sessionFileFixture();

describe("x-session inspect", () => {
	it("reports a file's DCs, peers by kind, state, format and size without secrets", async () => {
		const r = await cli(["inspect", "file:bot.session"], { cwd: dir });
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/format\s+binary v8/);
		expect(r.stdout).toMatch(/home DC\s+2/);
		expect(r.stdout).toMatch(/DCs with keys\s+2, 4/);
		expect(r.stdout).toMatch(/DCs without keys\s+1/);
		expect(r.stdout).toContain("users 2, chats 2, channels 1 of which min 1, communities 1");
		expect(r.stdout).toMatch(/min peers\s+1/);
		expect(r.stdout).toMatch(/channel pts\s+1 entry\n/);
		expect(r.stdout).toContain("pts 4,021, qts 7, seq 12");
		expect(r.stdout).toContain("present (redacted)");
		expect(leakedSecret(r.stdout, secrets)).toBeUndefined();
	});

	it("--json prints exactly one JSON object with the same facts", async () => {
		const r = await cli(["inspect", `file:${file}`, "--json"]);
		expect(r.code).toBe(0);
		expect(r.stderr).toBe("");
		expect(r.stdout.endsWith("}\n")).toBe(true);
		expect(r.stdout.trim().split("\n")).toHaveLength(1);
		const report = JSON.parse(r.stdout);
		expect(report).toMatchObject({
			format: "binary",
			version: 8,
			homeDcId: 2,
			dcsWithKeys: [2, 4],
			dcsWithoutKeys: [1],
			peers: { total: 6, users: 2, chats: 2, channels: 1, communities: 1, minChannels: 1 },
			minPeers: 1,
			channelPtsEntries: 1,
			updateState: { pts: 4021, qts: 7, date: 1_700_000_000, seq: 12, initialised: true },
			futureAuthToken: true,
		});
		expect(report.size).toEqual({ bytes: statSync(file).size, of: "file" });
		expect(report.dcs[2]).toEqual({
			dcId: 1,
			addr: "[2001:b28:f23d:f001::a]:443",
			flags: ["ipv6"],
			hasAuthKey: false,
			authKeyId: null,
			timeOffset: 0,
		});
		expect(leakedSecret(r.stdout, secrets)).toBeUndefined();
	});

	it("reads native strings from the argument, stdin and an environment variable", async () => {
		const text = nativeString(session);
		const fromArg = await cli(["inspect", `string:${text}`, "--json"]);
		const fromStdin = await cli(["inspect", "string:-", "--json"], { input: `${text}\n` });
		const fromEnv = await cli(["inspect", "env:TG_SESSION", "--json"], {
			env: { TG_SESSION: text },
		});
		for (const r of [fromArg, fromStdin, fromEnv]) {
			expect(r.code).toBe(0);
			const report = JSON.parse(r.stdout);
			expect(report).toMatchObject({ format: "native-string", version: 8, homeDcId: 2 });
			expect(report.location).not.toContain(text.slice(0, 20));
		}
		expect(JSON.parse(fromEnv.stdout).location).toBe("env:TG_SESSION");
		expect(JSON.parse(fromArg.stdout).location).toBe(`string:<${text.length} characters>`);
	});

	it("reads a compact string and shows the user id it carries", async () => {
		const exported = await cli([
			"export",
			`file:${file}`,
			"--format",
			"compact",
			"--user-id",
			"424242",
		]);
		expect(exported.code).toBe(0);
		const r = await cli(["inspect", "string:-", "--json"], { input: exported.stdout });
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({
			format: "compact-string",
			version: 2,
			homeDcId: 2,
			userId: "424242",
			dcsWithKeys: [2],
		});
	});

	it("exit 3 with one line when there is nothing there", async () => {
		const missing = await cli(["inspect", `file:${join(dir, "nope.session")}`]);
		expect(missing.code).toBe(3);
		expect(missing.stdout).toBe("");
		expect(missing.stderr).toBe(`x-session: no such file: ${join(dir, "nope.session")}\n`);
		const unset = await cli(["inspect", "env:XS_TEST_UNSET_VAR"], {
			env: { XS_TEST_UNSET_VAR: undefined },
		});
		expect(unset.code).toBe(3);
		expect(unset.stderr).toBe("x-session: environment variable XS_TEST_UNSET_VAR is not set\n");
		const emptyFile = join(dir, "empty.session");
		writeFileSync(emptyFile, "");
		expect((await cli(["inspect", `file:${emptyFile}`])).code).toBe(3);
	});

	it("exit 1 for corrupt data, with a reason and no stack trace", async () => {
		const bad = join(dir, "bad.session");
		writeFileSync(bad, Buffer.from([8, 2, 0, 0, 0, 1, 2, 0, 0, 0, 1]));
		const r = await cli(["inspect", `file:${bad}`]);
		expect(r.code).toBe(1);
		expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
		expect(r.stderr).toMatch(
			/^x-session: file:.*bad.session is truncated: its 11 bytes end before the session does \(truncated session: /,
		);
		expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
	});

	it("a malformed string never echoes the string back", async () => {
		const text = `${nativeString(session).slice(0, 200)}!!`;
		const r = await cli(["inspect", `string:${text}`]);
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/^x-session: /);
		expect(r.stderr).not.toContain(text.slice(0, 16));
		expect(leakedSecret(r.stderr, secrets)).toBeUndefined();
	});

	it("usage errors exit 2: unknown location, missing or extra arguments, unknown option", async () => {
		const unknown = await cli(["inspect", "bot.session"]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain(
			'x-session: unknown location "bot.session" (did you mean file:bot.session?)',
		);
		expect((await cli(["inspect"])).stderr).toBe(
			"x-session: inspect: missing LOCATION (see x-session inspect --help)\n",
		);
		expect((await cli(["inspect", "file:a", "file:b"])).code).toBe(2);
		const opt = await cli(["inspect", "file:a", "--jsn"]);
		expect(opt.code).toBe(2);
		expect(opt.stderr).toMatch(/^x-session: inspect: Unknown option '--jsn'/);
		expect((await cli(["frobnicate"])).code).toBe(2);
		expect((await cli([])).code).toBe(2);
	});

	it("--help on every command, on stdout, exit 0", async () => {
		for (const command of ["inspect", "convert", "export", "verify", "list", "delete"]) {
			const r = await cli([command, "--help"]);
			expect(r.code).toBe(0);
			expect(r.stdout).toContain(`Usage: x-session ${command}`);
		}
		const main = await cli(["--help"]);
		expect(main.code).toBe(0);
		expect(main.stdout).toContain(
			"Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 locked, 5 connection",
		);
	});
});
