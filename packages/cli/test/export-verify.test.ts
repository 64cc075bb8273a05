import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
	decodeCompactString,
	decodeNativeString,
	encodeSession,
	REDACTED,
	sessionFromJson,
	sessionsEqual,
} from "@x/session-core";
import { describe, expect, it } from "vitest";
import {
	cli,
	leakedSecret,
	sampleSession,
	sessionFileFixture,
	writeSessionFile,
} from "./helpers.js";

const { dir, file, session, secrets } = sessionFileFixture();

describe("x-session export", () => {
	it("--format native prints the full-state string and nothing else", async () => {
		const r = await cli(["export", `file:${file}`, "--format", "native"]);
		expect(r.code).toBe(0);
		expect(r.stderr).toBe("");
		expect(sessionsEqual(decodeNativeString(r.stdout.trim()), session)).toBe(true);
		// the string is the credential: the leak detector must see the keys in it
		expect(leakedSecret(r.stdout, secrets)).toBeDefined();
	});

	it("--format compact needs --user-id and carries the home DC's key", async () => {
		const missing = await cli(["export", `file:${file}`, "--format", "compact"]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toBe("x-session: a compact string needs the account's --user-id\n");
		const r = await cli(["export", `file:${file}`, "--format", "compact", "--user-id", "123"]);
		expect(r.code).toBe(0);
		const compact = decodeCompactString(r.stdout.trim());
		expect(compact.userId).toBe(123n);
		expect(compact.dcId).toBe(2);
		expect(compact.authKey.equals(secrets[0] as Uint8Array)).toBe(true);
		expect(
			(await cli(["export", `file:${file}`, "--format", "compact", "--user-id", "12x"])).code,
		).toBe(2);
	});

	it("--format compact fails with a reason when the home DC has no key", async () => {
		const keyless = join(dir, "keyless.session");
		const s = sampleSession().session;
		s.homeDcId = 1;
		writeSessionFile(keyless, s);
		const r = await cli(["export", `file:${keyless}`, "--format", "compact", "--user-id", "5"]);
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/^x-session: this session cannot be a compact string/);
	});

	it("--format json redacts secrets unless --include-secrets", async () => {
		const redacted = await cli(["export", `file:${file}`, "--format", "json"]);
		expect(redacted.code).toBe(0);
		const json = JSON.parse(redacted.stdout);
		expect(json.dcs[0].authKey).toBe(REDACTED);
		expect(json.futureAuthToken).toBe(REDACTED);
		expect(leakedSecret(redacted.stdout, secrets)).toBeUndefined();
		const full = await cli(["export", `file:${file}`, "--format", "json", "--include-secrets"]);
		expect(full.code).toBe(0);
		expect(sessionsEqual(sessionFromJson(full.stdout), session)).toBe(true);
		expect(leakedSecret(full.stdout, secrets)).toBeDefined();
	});

	it("usage: --format is required and checked; --include-secrets only with json", async () => {
		expect((await cli(["export", `file:${file}`])).stderr).toBe(
			"x-session: export: --format is required (native, compact or json)\n",
		);
		expect((await cli(["export", `file:${file}`, "--format", "xml"])).code).toBe(2);
		expect(
			(await cli(["export", `file:${file}`, "--format", "native", "--include-secrets"])).code,
		).toBe(2);
	});
});

describe("x-session verify", () => {
	it("exit 0 and a summary for a good file, string or variable", async () => {
		const r = await cli(["verify", `file:${file}`]);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(
			new RegExp(
				`^ok: file:${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} decodes \\(binary v8; 3 DCs, 6 peers, 1 min peer, 1 channel pts entry; home DC auth key id [0-9a-f]{16}\\)\n$`,
			),
		);
		const native = (await cli(["export", `file:${file}`, "--format", "native"])).stdout.trim();
		const env = await cli(["verify", "env:S"], { env: { S: native } });
		expect(env.code).toBe(0);
		expect(leakedSecret(env.stdout + env.stderr, secrets)).toBeUndefined();
	});

	it("exit 1 with the reason for truncated data and an unknown future version", async () => {
		const cut = join(dir, "cut.session");
		writeFileSync(cut, encodeSession(session).subarray(0, 300));
		const truncated = await cli(["verify", `file:${cut}`]);
		expect(truncated.code).toBe(1);
		expect(truncated.stderr).toMatch(
			/^x-session: verify failed: file:.*cut.session is truncated: its 300 bytes .*\n$/,
		);
		const future = join(dir, "future.session");
		writeFileSync(future, Buffer.from([0x0c, 2, 0, 0, 0, 0, 0, 0]));
		const v = await cli(["verify", `file:${future}`]);
		expect(v.code).toBe(1);
		expect(v.stderr).toMatch(/unsupported session format version 12/);
	});

	it("--strict rejects trailing bytes that the reference ignores", async () => {
		const trailing = join(dir, "trailing.session");
		writeFileSync(trailing, Buffer.concat([encodeSession(session), Buffer.from([1, 2, 3])]));
		expect((await cli(["verify", `file:${trailing}`])).code).toBe(0);
		const strict = await cli(["verify", `file:${trailing}`, "--strict"]);
		expect(strict.code).toBe(1);
		expect(strict.stderr).toMatch(/^x-session: verify failed: .*trailing/);
	});

	it("exit 3 when there is no session", async () => {
		const r = await cli(["verify", `file:${join(dir, "missing")}`]);
		expect(r.code).toBe(3);
	});
});
