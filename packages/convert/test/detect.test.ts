import { encodeCompactString, encodeNativeString, SecretBytes } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { decodeForeignSession, detectSessionFormat, encodeForeignSession } from "../src/index.js";
import { expectTypedError, oneDc } from "./helpers.js";
import {
	gramjsHost,
	gramjsV4,
	gramjsV6,
	KEY,
	mtcuteFull,
	mtcuteV6Test,
	pyroCurrent,
	pyroOld32,
	pyroOld64,
	telethonV4,
	telethonV6,
} from "./vectors.js";

describe("detection and the one-call API", () => {
	const native = encodeNativeString(oneDc(2, "149.154.167.51:443", KEY));
	const compact = encodeCompactString({
		version: 2,
		dcId: 2,
		ip: "149.154.167.51",
		port: 443,
		userId: 42n,
		authKey: new SecretBytes(KEY),
	});
	const cases: [string, string][] = [
		["telethon", telethonV4],
		["telethon", telethonV6],
		["gramjs", gramjsV4],
		["gramjs", gramjsHost],
		["gramjs", gramjsV6],
		["pyrogram", pyroCurrent],
		["pyrogram", pyroOld32],
		["pyrogram", pyroOld64],
		["mtcute", mtcuteFull],
		["mtcute", mtcuteV6Test],
		["native", native],
		["compact", compact],
	];
	it.each(cases)("detects %s", (format, text) => {
		const found = detectSessionFormat(text);
		expect(found.format).toBe(format);
		expect(decodeForeignSession(`  ${text}\n`).format).toBe(format);
	});

	it("the format can be forced; a forced format that does not fit throws", () => {
		expect(decodeForeignSession(telethonV4, { format: "gramjs" }).format).toBe("gramjs");
		expectTypedError(() => decodeForeignSession(gramjsV4, { format: "telethon" }), "CORRUPT_DATA");
		expectTypedError(
			() => decodeForeignSession(pyroCurrent, { format: "mtcute" }),
			"UNSUPPORTED_VERSION",
		);
		expectTypedError(() => decodeForeignSession("", { format: "pyrogram" }), "CORRUPT_DATA");
	});

	it("says why nothing fits, without echoing the input", () => {
		const junk = "this is not a session string at all, not even base64 ###";
		const found = detectSessionFormat(junk);
		expect(found.format).toBeNull();
		if (found.format === null) {
			expect(Object.keys(found.rejected).sort()).toEqual([
				"compact",
				"gramjs",
				"mtcute",
				"mtkruto",
				"native",
				"pyrogram",
				"telethon",
			]);
			expect(found.reason).not.toContain("###");
		}
		expect(detectSessionFormat("   ").format).toBeNull();
		const err = expectTypedError(
			() => decodeForeignSession(`1${Buffer.from("x".repeat(300)).toString("base64")}`),
			"CORRUPT_DATA",
		);
		expect(err.message).toContain("cannot tell the session format");
	});

	it("encodeForeignSession dispatches to every encoder", () => {
		const s = oneDc(2, "149.154.167.51:443", KEY);
		expect(encodeForeignSession(s, { format: "telethon" })).toBe(telethonV4);
		expect(decodeForeignSession(encodeForeignSession(s, { format: "gramjs" })).format).toBe(
			"gramjs",
		);
		expect(
			encodeForeignSession(s, { format: "pyrogram", userId: 5_000_000_000n, apiId: 12345 }),
		).toBe(pyroCurrent);
		expect(decodeForeignSession(encodeForeignSession(s, { format: "mtcute" })).format).toBe(
			"mtcute",
		);
		expect(encodeForeignSession(s, { format: "native" })).toBe(native);
		expect(encodeForeignSession(s, { format: "compact", userId: 42n })).toBe(compact);
	});

	it("secrets never appear in errors or in printed results", () => {
		const { session } = decodeForeignSession(telethonV4);
		const printed = JSON.stringify({ ...session, homeDcId: session.homeDcId }, (_k, v) =>
			typeof v === "bigint" ? String(v) : v,
		);
		expect(printed).not.toContain(Buffer.from(KEY).toString("hex").slice(0, 16));
		expect(printed).toContain("redacted 256 bytes");
	});
});

it("non-string input is an INVALID_ARGUMENT error from every entry point", async () => {
	const { decodeGramjsString, decodeMtcuteString, decodePyrogramString, decodeTelethonString } =
		await import("../src/index.js");
	for (const decode of [
		decodeForeignSession,
		detectSessionFormat,
		decodeGramjsString,
		decodeMtcuteString,
		decodePyrogramString,
		decodeTelethonString,
	]) {
		expectTypedError(() => decode(42 as unknown as string), "INVALID_ARGUMENT");
	}
});
