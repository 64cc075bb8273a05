// No message repeats input that may be a secret: a session string passed where a location is
// expected (the prefix forgotten or wrong), or a location with a bad %-escape.

import { encodeForeignSession } from "@x/session-convert";
import { compactFromSession, encodeCompactString, encodeNativeString } from "@x/session-core";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, type CliResult, cli, sampleSession } from "./helpers.js";

const { session } = sampleSession(4);
const USER_ID = 777000123n;
const STRINGS: Record<string, string> = {
	native: encodeNativeString(session),
	compact: encodeCompactString(
		compactFromSession(session, USER_ID) as NonNullable<ReturnType<typeof compactFromSession>>,
	),
	telethon: encodeForeignSession(session, { format: "telethon" }),
	gramjs: encodeForeignSession(session, { format: "gramjs" }),
	mtcute: encodeForeignSession(session, {
		format: "mtcute",
		self: { userId: USER_ID, isBot: false },
	}),
	pyrogram: encodeForeignSession(session, { format: "pyrogram", userId: USER_ID }),
};

beforeAll(() => buildCli());

/** The first 16-character piece of `secret` found in the output, or undefined. */
function echoed(r: CliResult, secret: string): string | undefined {
	const out = r.stdout + r.stderr;
	for (let i = 0; i + 16 <= secret.length; i++) {
		const piece = secret.slice(i, i + 16);
		if (out.includes(piece)) return piece;
	}
	return undefined;
}

describe("a session string where a location belongs is never repeated", () => {
	for (const [format, text] of Object.entries(STRINGS)) {
		it(`${format}: inspect, convert, list and export say what to do without echoing it`, async () => {
			expect(text.length).toBeGreaterThan(40);
			const runs = [
				await cli(["inspect", text]),
				await cli(["convert", text, "string:"]),
				await cli(["list", text]),
				await cli(["export", text, "--format", "json"]),
				await cli(["inspect", `file:${text}`]),
				await cli(["inspect", `sqlite:${text}`]),
				await cli(["inspect", "string:", text]),
				await cli([text]),
				// pasted where a session id belongs
				await cli(["inspect", `sqlite:./none.db#${text}`]),
				await cli(["inspect", `redis://127.0.0.1:6379/0?prefix=xs-echo#${text}`]),
			];
			const [inspect] = runs;
			expect(inspect?.code).toBe(2);
			expect(inspect?.stderr).toMatch(/looks like an? [\w -]*session string/);
			// the format is detected and named with the prefix that reads it
			const prefix = format === "native" || format === "compact" ? "string" : format;
			expect(inspect?.stderr).toContain(`pass it on stdin as ${prefix}:-`);
			for (const r of runs) {
				expect(r.code).not.toBe(0);
				expect(echoed(r, text), r.stderr).toBeUndefined();
			}
		}, 60_000);
	}
});

describe("a bad %-escape is a usage error (exit 2) that does not repeat the location", () => {
	const secret = "pw-Zq8sT4vLm2Xc9Rb7";
	for (const where of [
		`sqlite:./s.db#%E0%A4%A${secret}`,
		`postgres://u:${secret}%zz@127.0.0.1:1/db#a`,
		`redis://:${secret}%@127.0.0.1:1/0#a`,
		`redis://127.0.0.1:1/0#%${secret}`,
		`file:///tmp/%${secret}`,
	]) {
		it(where.slice(0, 12), async () => {
			const r = await cli(["inspect", where]);
			expect(r.code, r.stderr).toBe(2);
			expect(r.stderr).toContain("malformed %-escape");
			expect(r.stderr).not.toContain("URI malformed");
			expect(echoed(r, secret)).toBeUndefined();
		});
	}
});
