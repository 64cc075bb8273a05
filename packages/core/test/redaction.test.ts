// Keys and tokens never reach output: inspect, JSON, String(), template literals, error messages.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
	decodeCompactString,
	decodeNativeString,
	decodeSession,
	decodeSessionString,
	encodeCompactString,
	encodeSession,
	SecretBytes,
	sessionFromJson,
	sessionToJson,
} from "../src/index.js";
import { secret } from "../src/secret.js";
import { dc, expectNoLeak, PATTERN, patternBytes, session } from "./helpers.js";

const key = () => new SecretBytes(patternBytes(256));
const leaky = () =>
	session({
		homeDcId: 2,
		dcs: [dc({ authKey: key() }), dc({ dcId: 4, authKey: key() })],
		futureAuthToken: new SecretBytes(patternBytes(64)),
	});

/** Every way a value gets printed. */
function renderings(value: unknown): string[] {
	const out = [
		inspect(value),
		inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
		inspect(value, { customInspect: false, depth: Number.POSITIVE_INFINITY, showHidden: true }),
		JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
	];
	try {
		out.push(String(value), `${value}`);
	} catch {
		// plain objects with bigint fields still stringify; others may not
	}
	return out;
}

describe("SecretBytes", () => {
	it("prints only its length: inspect, JSON.stringify, String(), template literals, concatenation", () => {
		const s = key();
		for (const text of [
			...renderings(s),
			`${s}`,
			String(s),
			`x${s}`,
			JSON.stringify({ s }),
			s.toString(),
		]) {
			expectNoLeak(text);
		}
		expect(String(s)).toBe("[redacted 256 bytes]");
		expect(JSON.stringify({ s })).toBe('{"s":"[redacted 256 bytes]"}');
		expect(inspect(s)).toBe("SecretBytes [redacted 256 bytes]");
	});

	it("has no enumerable or own property holding the bytes", () => {
		const s = key();
		expect(Object.keys(s)).toEqual([]);
		expect(Object.getOwnPropertyNames(s)).toEqual([]);
		expect({ ...s }).toEqual({});
		expect(structuredCloneSafe(s)).not.toContain(PATTERN);
	});

	it("copies on the way in and out", () => {
		const raw = patternBytes(8);
		const s = new SecretBytes(raw);
		raw.fill(0);
		expect(s.equals(patternBytes(8))).toBe(true);
		s.expose().fill(0);
		expect(s.equals(patternBytes(8))).toBe(true);
		expect(secret(null)).toBeNull();
		expect(secret(s)).toBe(s);
		expect(s.equals(new SecretBytes(patternBytes(8)))).toBe(true);
		expect(s.equals(patternBytes(9))).toBe(false);
	});
});

function structuredCloneSafe(v: unknown): string {
	try {
		return inspect(structuredClone(v), { showHidden: true });
	} catch (e) {
		return String(e);
	}
}

describe("a session holding keys", () => {
	it("prints no key in any rendering", () => {
		for (const text of renderings(leaky())) expectNoLeak(text);
		for (const text of renderings(sessionToJson(leaky()))) expectNoLeak(text);
		// console.log formats with util.inspect
		expectNoLeak(inspect({ wrapper: { deeper: { session: leaky() } } }, { depth: 10 }));
	});

	it("only sessionToJson with includeSecrets reveals them (by design)", () => {
		const text = JSON.stringify(sessionToJson(leaky(), { includeSecrets: true }));
		expect(text).toContain(Buffer.from(patternBytes(255)).toString("base64").slice(0, 40));
	});
});

describe("errors from hostile input never contain key bytes", () => {
	const collect = (fn: () => unknown): string | undefined => {
		try {
			fn();
			return undefined;
		} catch (e) {
			const err = e as Error;
			return [
				err.message,
				err.stack,
				inspect(err, { depth: 10, showHidden: true }),
				String(err),
				JSON.stringify(err),
			].join("\n");
		}
	};

	it("binary: every truncation, every strict failure, every single-byte corruption", () => {
		const bytes = encodeSession(leaky());
		let errors = 0;
		for (let len = 0; len < bytes.length; len += 3) {
			const text = collect(() => decodeSession(bytes.subarray(0, len)));
			if (text !== undefined) {
				errors++;
				expectNoLeak(text);
			}
		}
		for (let i = 0; i < bytes.length; i += 5) {
			for (const v of [0, 1, 2, 0xff, 0x80]) {
				const b = bytes.slice();
				b[i] = v;
				for (const strict of [false, true]) {
					const text = collect(() => decodeSession(b, { strict }));
					if (text !== undefined) {
						errors++;
						expectNoLeak(text);
					}
				}
			}
		}
		expect(errors).toBeGreaterThan(100);
	});

	it("strings: native, compact, detection; bad base64 around a key", () => {
		const native = Buffer.from(encodeSession(leaky())).toString("base64url");
		const compact = encodeCompactString({
			version: 2,
			dcId: 2,
			ip: "1.2.3.4",
			port: 443,
			userId: 1n,
			authKey: key(),
		});
		const inputs = [
			`${native}=`,
			`${native.slice(0, 100)} ${native.slice(100)}`,
			native.slice(0, 501),
			`${compact.slice(0, 200)}+`,
			compact.slice(0, 300),
			`${PATTERN}${PATTERN}`,
			Buffer.from(patternBytes(300)).toString("base64url"),
			Buffer.from(patternBytes(300)).toString("base64"),
		];
		let errors = 0;
		for (const input of inputs) {
			for (const fn of [
				() => decodeNativeString(input),
				() => decodeNativeString(input, { strict: true }),
				() => decodeCompactString(input),
				() => decodeSessionString(input),
				() => decodeSessionString(input, { lenient: true }),
			]) {
				const text = collect(fn);
				if (text !== undefined) {
					errors++;
					expectNoLeak(text);
				}
			}
		}
		expect(errors).toBeGreaterThan(20);
	});

	it("JSON import with a wrong-length or non-base64 key", () => {
		const j = sessionToJson(leaky(), { includeSecrets: true });
		const k = Buffer.from(patternBytes(255)).toString("base64");
		for (const authKey of [k, `${k}!`, `${k.slice(0, 20)} ${k.slice(20)}`, PATTERN]) {
			const bad = { ...j, dcs: [{ ...j.dcs[0], authKey }] };
			const text = collect(() => sessionFromJson(bad));
			expect(text).toBeDefined();
			expectNoLeak(text as string);
			const textual = collect(() => sessionFromJson(JSON.stringify(bad)));
			expectNoLeak(textual as string);
		}
	});
});
