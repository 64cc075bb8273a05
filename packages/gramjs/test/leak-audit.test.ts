// Secret-leak audit of the GramJS adapter: a session loaded with a key made of a recognisable
// pattern, its backend, its write-behind errors on a failing backend and what it logs, and the
// migration helpers' results and errors, through util.inspect (hidden fields too),
// JSON.stringify, String() and error messages. None may show the key (raw, hex, base64, byte
// lists) or the session string. GramJS's own AuthKey objects are the user's and out of scope.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { encodeGramjsString } from "@x/session-convert";
import { emptySession, type PersistedSession, SecretBytes } from "@x/session-core";
import { MemorySessionBackend } from "@x/session-memory";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { MemorySession } from "telegram/sessions/index.js";
import { AuthKey as TpAuthKey } from "teleproto/crypto/AuthKey.js";
import { MemorySession as TpMemorySession } from "teleproto/sessions/index.js";
import { afterAll, describe, expect, it } from "vitest";
import {
	exportStringSession,
	type GramjsClasses,
	gramjsSession,
	importStringSession,
} from "../src/index.js";

const PATTERN = "K3Y-s3cr3t-GRJS!";
const KEY = Uint8Array.from({ length: 256 }, (_, i) => PATTERN.charCodeAt(i % PATTERN.length));

function patternSession(): PersistedSession {
	const s = emptySession();
	s.homeDcId = 2;
	s.dcs = [
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: new SecretBytes(KEY),
			firstSalt: 1n,
			timeOffset: 0,
			flags: 0,
		},
		{
			dcId: 4,
			addr: "149.154.167.91:443",
			authKey: new SecretBytes(KEY.slice().reverse()),
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		},
	];
	return s;
}
const STRING = encodeGramjsString(patternSession());

/** Printable forms of the key: pattern, hex, base64 (3 alignments, both alphabets), byte lists. */
const FORMS = (() => {
	const b = Buffer.from(KEY);
	const out = [PATTERN.slice(0, 10), b.toString("hex").slice(0, 20)];
	out.push(b.toString("hex").toUpperCase().slice(0, 20));
	out.push(Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" "));
	out.push(Array.from(b.subarray(0, 6)).join(","));
	for (let o = 0; o < 3; o++) {
		const b64 = b.subarray(o).toString("base64").slice(0, 16);
		out.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
	}
	out.push(STRING.slice(1, 30), STRING.slice(40, 70));
	return out;
})();
const leaks = (text: string) => {
	const squeezed = text.replace(/\s+/g, "");
	return FORMS.filter((f) => text.includes(f) || squeezed.includes(f.replace(/\s+/g, "")));
};

const texts: { where: string; text: string }[] = [];
function record(where: string, value: unknown): void {
	texts.push({ where, text: inspect(value, { depth: 12, showHidden: true }) });
	texts.push({ where: `${where} (String)`, text: safe(() => String(value)) });
	try {
		texts.push({
			where: `${where} (JSON)`,
			text: JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "",
		});
	} catch {}
	if (value instanceof Error) {
		texts.push({ where: `${where} (message)`, text: `${value.message} ${value.stack ?? ""}` });
		if (value.cause !== undefined) record(`${where} (cause)`, value.cause);
	}
}
function safe(f: () => string): string {
	try {
		return f();
	} catch (error) {
		return `String() threw ${error instanceof Error ? error.message : ""}`;
	}
}
async function attempt(where: string, op: () => Promise<unknown>): Promise<void> {
	try {
		record(where, await op());
	} catch (error) {
		record(`${where} (error)`, error);
	}
}

const dir = mkdtempSync(join(tmpdir(), "xs-gramjs-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// teleproto is a fork of GramJS with the same MemorySession surface; its protected members make
// TypeScript see another class, so its classes are typed as GramJS's for the shared loop below
const flavours: { name: string; classes: GramjsClasses<MemorySession> }[] = [
	{ name: "telegram", classes: { MemorySession, AuthKey } },
	{
		name: "teleproto",
		classes: {
			MemorySession: TpMemorySession,
			AuthKey: TpAuthKey,
		} as unknown as GramjsClasses<MemorySession>,
	},
];

describe("secret-leak audit of the GramJS adapter", () => {
	it("a loaded session, its backend, its failures and the migration helpers show no key", async () => {
		const logged: string[] = [];
		const original = console.error;
		console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
		try {
			for (const { name, classes } of flavours) {
				for (const [kind, open] of [
					["memory", async () => new MemorySessionBackend()],
					[
						"sqlite",
						() => SqliteSessionBackend.open({ database: join(dir, `${name}.db`), sessionId: "a" }),
					],
				] as const) {
					const backend = await open();
					await backend.save(patternSession());
					const session = gramjsSession(classes, backend, { flushDelayMs: 0 });
					await session.load();
					// the key really is in there: the checks below look at an object that holds it
					expect(Buffer.from(session.getAuthKey(2)?.getKey() ?? []).equals(Buffer.from(KEY))).toBe(
						true,
					);
					record(`${name} ${kind} session`, session);
					record(`${name} ${kind} session.backend`, session.backend);
					session.setDC(4, "149.154.167.91", 443);
					await session.flush();
					record(`${name} ${kind} session after setDC`, session);
					// a failing backend: the write-behind error, lastError and what is logged
					await backend.close();
					session.setAuthKey(session.getAuthKey(2), 5);
					await attempt(`${name} ${kind} flush on a closed backend`, () => session.flush());
					await new Promise((r) => setTimeout(r, 20));
					record(`${name} ${kind} lastError`, session.lastError);
					record(`${name} ${kind} failed session`, session);
					await attempt(`${name} ${kind} close`, () => session.close());
				}
			}
			const target = new MemorySessionBackend();
			await attempt("importStringSession", () => importStringSession(STRING, target));
			await attempt("exportStringSession of an empty backend", () =>
				exportStringSession(new MemorySessionBackend()),
			);
			await attempt("importStringSession existing", () => importStringSession(STRING, target));
			for (const bad of [STRING.slice(0, -7), `${STRING}A`, `2${STRING.slice(1)}`, STRING.slice(1)])
				await attempt("importStringSession malformed", () =>
					importStringSession(bad, new MemorySessionBackend()),
				);
		} finally {
			console.error = original;
		}
		for (const line of logged) texts.push({ where: "console.error", text: line });
		expect(logged.length).toBeGreaterThan(0); // the failing flushes were reported
		expect(texts.length).toBeGreaterThan(60);
		const found = texts.flatMap(({ where, text }) => leaks(text).map((f) => `${where}: ${f}`));
		expect(found).toEqual([]);
	});
});
