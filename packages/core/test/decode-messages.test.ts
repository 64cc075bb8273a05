// What the binary decoder says for the likeliest wrong inputs: another format's file, a file cut
// short, bytes that are no session at all. Typed errors, no input repeated.
import { describe, expect, it } from "vitest";
import {
	CorruptSessionError,
	decodeSession,
	encodeSession,
	UnsupportedVersionError,
} from "../src/index.js";
import { sessionWithExtensions } from "../src/testing/fixtures.js";

function thrown(bytes: Uint8Array): Error {
	try {
		decodeSession(bytes);
	} catch (error) {
		return error as Error;
	}
	throw new Error("decoded");
}

describe("decode messages for wrong input", () => {
	it("an SQLite database (a Telethon or Pyrogram .session) is named as one, not 'version 83'", () => {
		const header = new TextEncoder().encode("SQLite format 3\0");
		const bytes = new Uint8Array(4096);
		bytes.set(header);
		const error = thrown(bytes);
		expect(error).toBeInstanceOf(CorruptSessionError);
		expect(error.message).toContain(
			"this is an SQLite database, not a session in the binary format",
		);
		expect(error.message).not.toContain("version 83");
	});

	it("a trailer cut short says truncated session", () => {
		const bytes = encodeSession(sessionWithExtensions(3));
		for (const cut of [1, 5, 40]) {
			const error = thrown(bytes.subarray(0, bytes.length - cut));
			expect(error).toBeInstanceOf(CorruptSessionError);
			expect(error.message).toMatch(
				/truncated session: the extension trailer holds \d+ of the \d+ bytes/,
			);
		}
	});

	it("a first byte that is no version says it may be no session at all", () => {
		const bytes = new Uint8Array(300).fill(241);
		const error = thrown(bytes);
		expect(error).toBeInstanceOf(UnsupportedVersionError);
		expect(error.message).toContain(
			"unsupported session format version 241 (this library reads 1 to 8)",
		);
		expect(error.message).toContain("or not a session at all");
	});
});
