// The check after writing a tdata folder: every key written must come back under its DC, with the
// same test flag; an empty or partial read-back is a failed write, not a verified one.
import * as convert from "@x/session-convert";
import { DcFlags, emptySession, type PersistedSession, SecretBytes } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { tdataReadBackMatches } from "../src/stores/tdata-verify.js";

const key = (seed: number) =>
	new SecretBytes(Uint8Array.from({ length: 256 }, (_, i) => (seed + i) & 255));

/** A session from "dc:seed" pairs (the first DC is home), optionally with a test flag value. */
function sessionOf(spec: string, test?: boolean): PersistedSession {
	const s = emptySession();
	const pairs = spec ? spec.split(" ").map((p) => p.split(":").map(Number)) : [];
	s.homeDcId = pairs[0]?.[0] ?? 2;
	for (const [dcId = 0, seed = 0] of pairs)
		s.dcs.push({
			dcId,
			addr: "149.154.167.51:443",
			authKey: key(seed),
			firstSalt: 0n,
			timeOffset: 0,
			flags: DcFlags.NONE,
		});
	if (test !== undefined)
		s.extensions = new Map([
			[convert.TDATA_EXTENSION_KEYS.testMode, new SecretBytes(new Uint8Array([test ? 1 : 0]))],
		]);
	return s;
}

const cases: [string, PersistedSession, PersistedSession, boolean, boolean][] = [
	["the same keys, home DC and flag", sessionOf("2:1 4:2"), sessionOf("2:1 4:2"), false, true],
	["an empty read-back", sessionOf("2:1 4:2"), sessionOf(""), false, false],
	["a partial read-back", sessionOf("2:1 4:2"), sessionOf("2:1"), false, false],
	["a key under another DC", sessionOf("2:1 4:2"), sessionOf("2:1 5:2"), false, false],
	["another key", sessionOf("2:1 4:2"), sessionOf("2:1 4:3"), false, false],
	["another home DC", sessionOf("2:1 4:2"), sessionOf("4:2 2:1"), false, false],
	["a test account come back production", sessionOf("2:1", true), sessionOf("2:1"), false, false],
	["a test account come back test", sessionOf("2:1", true), sessionOf("2:1"), true, true],
	["a production account come back test", sessionOf("2:1", false), sessionOf("2:1"), true, false],
];

describe("tdataReadBackMatches", () => {
	it.each(cases)("%s", (_, written, back, testMode, matches) => {
		const read = { session: back, extra: { testMode, userId: 0n } };
		expect(tdataReadBackMatches(convert, written, read, undefined)).toBe(matches);
	});

	it("refuses another user id than the one asked for", () => {
		const read = { session: sessionOf("2:1"), extra: { testMode: false, userId: 5n } };
		expect(tdataReadBackMatches(convert, sessionOf("2:1"), read, 6n)).toBe(false);
		expect(tdataReadBackMatches(convert, sessionOf("2:1"), read, 5n)).toBe(true);
	});
});
