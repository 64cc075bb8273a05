// Other clients' formats through @x/session-convert: strings in and out, Telethon files.
import { statSync } from "node:fs";
import { join } from "node:path";
import {
	decodeGramjsString,
	decodeMtcuteString,
	decodePyrogramString,
	decodeTelethonString,
} from "@x/session-convert";
import { describe, expect, it } from "vitest";
import { cli, leakedSecret, nativeString, sessionFileFixture } from "./helpers.js";

const { dir, file, session, secrets } = sessionFileFixture();
const homeKey = secrets[0] as Uint8Array;

describe("x-session and other clients' formats", () => {
	it("writes Telethon, GramJS and mtcute strings that carry the home DC's key", async () => {
		for (const [scheme, decode] of [
			["telethon", decodeTelethonString],
			["gramjs", decodeGramjsString],
			["mtcute", decodeMtcuteString],
		] as const) {
			const r = await cli(["convert", `file:${file}`, `${scheme}:`]);
			expect(r.code, r.stderr).toBe(0);
			const decoded = decode(r.stdout.trim());
			expect(decoded.session.homeDcId).toBe(2);
			expect(decoded.session.dcs.find((d) => d.authKey)?.authKey?.equals(homeKey)).toBe(true);
			expect(leakedSecret(r.stderr, secrets)).toBeUndefined();
		}
	});

	it("a Pyrogram string needs --user-id, and keeps it", async () => {
		expect((await cli(["convert", `file:${file}`, "pyrogram:"])).code).toBe(2);
		const r = await cli(["convert", `file:${file}`, "pyrogram:", "--user-id", "777000"]);
		expect(r.code, r.stderr).toBe(0);
		const decoded = decodePyrogramString(r.stdout.trim());
		expect(decoded.extra.userId).toBe(777000n);
		expect(decoded.session.dcs[0]?.authKey?.equals(homeKey)).toBe(true);
	});

	it("reads a Telethon string back into our formats, and inspects it without printing secrets", async () => {
		const telethon = (await cli(["convert", `file:${file}`, "telethon:"])).stdout.trim();
		const inspect = await cli(["inspect", `telethon:${telethon}`]);
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(inspect.stdout).toContain("telethon");
		expect(inspect.stdout.includes(telethon.slice(5, 40))).toBe(false);
		expect(leakedSecret(inspect.stdout + inspect.stderr, secrets)).toBeUndefined();
		const back = await cli([
			"convert",
			`telethon:${telethon}`,
			`file:${join(dir, "from-telethon.session")}`,
		]);
		expect(back.code, back.stderr).toBe(0);
		expect(back.stdout.includes(telethon.slice(5, 40))).toBe(false);
		const str = await cli(["convert", `file:${join(dir, "from-telethon.session")}`, "telethon:"]);
		expect(str.stdout.trim()).toBe(telethon);
	});

	it("writes a Telethon .session file (0600) and reads it back; refuses to replace it without --force", async () => {
		const target = join(dir, "anon.session");
		const r = await cli(["convert", `file:${file}`, `telethon:${target}`]);
		expect(r.code, r.stderr).toBe(0);
		expect(statSync(target).mode & 0o777).toBe(0o600);
		const inspect = await cli(["inspect", `telethon:${target}`, "--json"]);
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout).homeDcId).toBe(2);
		expect((await cli(["convert", `file:${file}`, `telethon:${target}`])).code).toBe(1);
		expect((await cli(["convert", `file:${file}`, `telethon:${target}`, "--force"])).code).toBe(0);
		expect((await cli(["convert", `file:${file}`, `gramjs:${join(dir, "x.session")}`])).code).toBe(
			2,
		);
	});

	it("a string of the wrong format is a clear error, never a guess", async () => {
		const r = await cli(["inspect", `gramjs:${nativeString(session)}`]);
		expect(r.code).not.toBe(0);
		expect(r.stderr).toMatch(/^x-session: /);
		expect(leakedSecret(r.stderr, secrets)).toBeUndefined();
	});
});
