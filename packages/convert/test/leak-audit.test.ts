// Secret-leak audit of @x/session-convert: decoded results, detection results, encoder and
// exporter reports, and the errors for malformed strings and files that contain a key, through
// util.inspect (hidden fields too), JSON.stringify, String() and error messages (with causes).
// None may show the key (raw pattern, hex, base64, byte lists) or a piece of the session string.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { DcFlags, type PersistedSession, SecretBytes } from "@x/session-core";
import { afterAll, describe, expect, it } from "vitest";
import {
	decodeForeignSession,
	decodeGramjsString,
	decodeMtcuteString,
	decodeMtkrutoString,
	decodePyrogramString,
	decodeTelethonString,
	detectSessionFormat,
	encodeForeignSession,
	encodeGramjsString,
	encodeMtcuteString,
	encodeMtkrutoString,
	encodePyrogramString,
	encodeTelethonString,
	exportTelethonFile,
	importPyrogramFile,
	importTelethonFile,
	readTdataFolder,
	STRING_FORMATS,
	writeTdataFolder,
} from "../src/index.js";
import { oneDc } from "./helpers.js";

const PATTERN = "K3Y-s3cr3t-CNVT!";
const KEY = Uint8Array.from({ length: 256 }, (_, i) => PATTERN.charCodeAt(i % PATTERN.length));

function keyForms(): string[] {
	const b = Buffer.from(KEY);
	const out = [PATTERN.slice(0, 10), b.toString("hex").slice(0, 20)];
	out.push(b.toString("hex").toUpperCase().slice(0, 20));
	out.push(Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" "));
	out.push(Array.from(b.subarray(0, 6)).join(","));
	for (let o = 0; o < 3; o++) {
		const b64 = b.subarray(o).toString("base64").slice(0, 16);
		out.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
	}
	return out;
}

const session: PersistedSession = oneDc(2, "149.154.167.51:443", KEY);
session.dcs.push({
	dcId: 2,
	addr: "[2001:67c:4e8:f002::b]:443",
	authKey: null,
	firstSalt: 0n,
	timeOffset: 0,
	flags: DcFlags.MEDIA_ONLY | DcFlags.IPV6,
});
const strings = {
	telethon: encodeTelethonString(session),
	gramjs: encodeGramjsString(session),
	pyrogram: encodePyrogramString(session, { userId: 5_123_456_789n, isBot: true, apiId: 9 }),
	mtcute: encodeMtcuteString(session, { self: { userId: 777n, isBot: false } }),
	mtkruto: encodeMtkrutoString(session),
};
// 24-character windows of each string: an error quoting the input would contain one
const FORMS = [
	...keyForms(),
	...Object.values(strings).flatMap((s) =>
		Array.from({ length: Math.floor(s.length / 24) }, (_, i) => s.slice(i * 24, i * 24 + 24)),
	),
];
const leaks = (text: string) => {
	const squeezed = text.replace(/\s+/g, "");
	return FORMS.filter((f) => text.includes(f) || squeezed.includes(f.replace(/\s+/g, "")));
};

const texts: { where: string; text: string }[] = [];
let errors = 0;
function record(where: string, value: unknown): void {
	texts.push({ where, text: inspect(value, { depth: 12, showHidden: true }) });
	texts.push({ where: `${where} (String)`, text: String(value) });
	try {
		texts.push({
			where: `${where} (JSON)`,
			text: JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "",
		});
	} catch {}
	if (value instanceof Error) {
		errors++;
		texts.push({ where: `${where} (message)`, text: `${value.message} ${value.stack ?? ""}` });
		if (value.cause !== undefined) record(`${where} (cause)`, value.cause);
	}
}
async function attempt(where: string, op: () => unknown): Promise<void> {
	try {
		record(where, await op());
	} catch (error) {
		record(`${where} (error)`, error);
	}
}

/** Malformed variants of a valid string that still carry most of the key. */
function malformed(text: string): string[] {
	const body = /^1/.test(text) && text.length % 4 !== 0 ? text.slice(1) : text;
	const bytes = Buffer.from(body, "base64");
	const flipped = Buffer.from(bytes);
	flipped[0] = (flipped[0] as number) ^ 0xff;
	return [
		text.slice(0, -5),
		`${text}AAAA`,
		`9${text.slice(1)}`,
		`${text.slice(0, 40)}!${text.slice(41)}`,
		bytes.subarray(0, bytes.length - 3).toString("base64url"),
		`1${flipped.toString("base64")}`,
		flipped.toString("base64url"),
	];
}

const dir = mkdtempSync(join(tmpdir(), "xs-convert-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("secret-leak audit of @x/session-convert", () => {
	it("decoded results, reports and errors on malformed input never show a key or the string", async () => {
		const decoders = {
			telethon: decodeTelethonString,
			gramjs: decodeGramjsString,
			pyrogram: decodePyrogramString,
			mtcute: decodeMtcuteString,
			mtkruto: decodeMtkrutoString,
		};
		for (const [format, text] of Object.entries(strings) as [keyof typeof strings, string][]) {
			const decoded = decoders[format](text);
			// the key really is in the decoded object the checks below look at
			expect(decoded.session.dcs[0]?.authKey?.expose()).toEqual(KEY);
			record(`${format} decoded`, decoded);
			record(`${format} detected`, detectSessionFormat(text));
			record(`${format} auto`, decodeForeignSession(text));
			for (const [i, bad] of malformed(text).entries()) {
				await attempt(`${format} malformed ${i}`, () => decoders[format](bad));
				await attempt(`${format} malformed ${i} detected`, () => detectSessionFormat(bad));
				await attempt(`${format} malformed ${i} auto`, () => decodeForeignSession(bad));
				for (const other of STRING_FORMATS)
					await attempt(`${format} malformed ${i} as ${other}`, () =>
						decodeForeignSession(bad, { format: other }),
					);
			}
		}
		for (const format of ["telethon", "gramjs", "mtcute"] as const) {
			// the encoded string is the credential itself, returned on purpose: only failures are audited
			expect(typeof encodeForeignSession(session, { format })).toBe("string");
			await attempt(`encode ${format} bad DC`, () =>
				encodeForeignSession(
					{ ...session, dcs: [{ ...(session.dcs[0] as PersistedSession["dcs"][0]), dcId: 999 }] },
					{ format },
				),
			);
		}
		await attempt("encode a key of the wrong length", () =>
			encodeTelethonString(oneDc(2, "149.154.167.51:443", KEY.subarray(0, 200))),
		);
		const file = join(dir, "anon.session");
		await attempt("exportTelethonFile", () => exportTelethonFile(session, file));
		await attempt("exportTelethonFile existing", () => exportTelethonFile(session, file));
		await attempt("importTelethonFile", () => importTelethonFile(file));
		const junk = join(dir, "junk.session");
		writeFileSync(junk, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.from(KEY)]));
		await attempt("importTelethonFile junk", () => importTelethonFile(junk));
		await attempt("importPyrogramFile junk", () => importPyrogramFile(junk));
		await attempt("importPyrogramFile telethon file", () => importPyrogramFile(file));
		const tdata = join(dir, "tdata");
		await writeTdataFolder(tdata, session, { passcode: "audit-passcode" });
		record("tdata read", await readTdataFolder(tdata, { passcode: "audit-passcode" }));
		await attempt("tdata without passcode", () => readTdataFolder(tdata));
		await attempt("tdata wrong passcode", () => readTdataFolder(tdata, { passcode: "nope" }));
		await attempt("tdata existing target", () => writeTdataFolder(tdata, session));
		writeFileSync(
			join(tdata, "D877F783D5D3EF8Cs"),
			Buffer.concat([Buffer.from("TDF$"), Buffer.from(KEY)]),
		);
		await attempt("tdata damaged", () => readTdataFolder(tdata, { passcode: "audit-passcode" }));
		expect(errors).toBeGreaterThan(100);
		record("a SecretBytes", new SecretBytes(KEY)); // the yardstick: core's own redaction
		const found = texts.flatMap(({ where, text }) => leaks(text).map((f) => `${where}: ${f}`));
		expect(found).toEqual([]);
		expect(texts.filter(({ text }) => text.includes("audit-passcode")).map((t) => t.where)).toEqual(
			[],
		);
	});
});
