// The check after writing a tdata folder: every key written must come back under its DC, with the
// same test flag; an empty or partial read-back is a failed write, not a verified one.
import * as convert from "@x/session-convert";
import { DcFlags, emptySession, type PersistedSession, SecretBytes } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { tdataReadBackMatches } from "../src/stores/tdata-verify.js";

const key = (seed: number) =>
	new SecretBytes(Uint8Array.from({ length: 256 }, (_, i) => (seed + i) & 255));
function sessionOf(dcs: [number, number][], test?: boolean): PersistedSession {
	const s = emptySession();
	s.homeDcId = dcs[0]?.[0] ?? 2;
	for (const [dcId, seed] of dcs)
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
const read = (session: PersistedSession, testMode = false, userId = 0n) => ({
	session,
	extra: { testMode, userId },
});

describe("tdataReadBackMatches", () => {
	const written = sessionOf([
		[2, 1],
		[4, 2],
	]);
	it("accepts the same keys, home DC and flag", () => {
		expect(
			tdataReadBackMatches(
				convert,
				written,
				read(
					sessionOf([
						[2, 1],
						[4, 2],
					]),
				),
				undefined,
			),
		).toBe(true);
	});
	it("refuses an empty or partial read-back", () => {
		const empty = emptySession();
		empty.homeDcId = 2;
		expect(tdataReadBackMatches(convert, written, read(empty), undefined)).toBe(false);
		expect(tdataReadBackMatches(convert, written, read(sessionOf([[2, 1]])), undefined)).toBe(
			false,
		);
	});
	it("refuses a key under another DC, or a different key", () => {
		expect(
			tdataReadBackMatches(
				convert,
				written,
				read(
					sessionOf([
						[2, 1],
						[5, 2],
					]),
				),
				undefined,
			),
		).toBe(false);
		expect(
			tdataReadBackMatches(
				convert,
				written,
				read(
					sessionOf([
						[2, 1],
						[4, 3],
					]),
				),
				undefined,
			),
		).toBe(false);
	});
	it("refuses a test account that came back production, and the reverse", () => {
		const test = sessionOf([[2, 1]], true);
		expect(tdataReadBackMatches(convert, test, read(sessionOf([[2, 1]]), false), undefined)).toBe(
			false,
		);
		expect(tdataReadBackMatches(convert, test, read(sessionOf([[2, 1]]), true), undefined)).toBe(
			true,
		);
		expect(
			tdataReadBackMatches(
				convert,
				sessionOf([[2, 1]]),
				read(sessionOf([[2, 1]]), true),
				undefined,
			),
		).toBe(false);
	});
	it("refuses another user id than the one asked for", () => {
		expect(
			tdataReadBackMatches(
				convert,
				written,
				read(
					sessionOf([
						[2, 1],
						[4, 2],
					]),
					false,
					5n,
				),
				6n,
			),
		).toBe(false);
	});
});
