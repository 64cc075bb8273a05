// Shared helpers for core's tests: hex literals, recognisable secrets, session builders.
import { expect } from "vitest";
import type { DcEntry, PersistedSession } from "../src/index.js";
import { normalizeSession, SecretBytes, sessionsEqual } from "../src/index.js";
import { prepareSession } from "../src/toolkit.js";

/** Bytes from hex text; whitespace, `|` and `_` are ignored so vectors can be laid out by field. */
export function hex(...parts: string[]): Uint8Array {
	const clean = parts.join("").replace(/[\s|_]/g, "");
	if (!/^([0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex literal: ${clean}`);
	const out = new Uint8Array(clean.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
	return out;
}

export function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 256 bytes 00 01 02 … ff: an auth key whose bytes give away any reordering. */
export const SEQ_KEY_HEX: string = Array.from({ length: 256 }, (_, i) =>
	i.toString(16).padStart(2, "0"),
).join("");
export const seqKey = (): SecretBytes => new SecretBytes(hex(SEQ_KEY_HEX));

/** A recognisable ASCII pattern: any leak shows up as raw text, hex or base64. */
export const PATTERN = "K3Y-s3cr3t-ZQXJ";
export function patternBytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = PATTERN.charCodeAt(i % PATTERN.length);
	return out;
}

/**
 * Standard base64 with padding, through the platform's `btoa` (in Node and browsers alike): an
 * oracle independent of the codec's own base64, and no `Buffer`, so these tests run in a browser.
 */
export function b64(bytes: Uint8Array): string {
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary);
}

/** URL-safe base64 without padding (RFC 4648 §5), from {@link b64}. */
export function b64url(bytes: Uint8Array): string {
	return b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Text forms of the pattern that must never appear in any output. */
export function leakMarkers(): string[] {
	const raw = patternBytes(PATTERN.length * 2);
	return [
		PATTERN,
		toHex(raw),
		toHex(raw).toUpperCase(),
		b64(raw).slice(0, 16),
		b64url(raw).slice(0, 16),
		// the pattern's bytes as a printed list, e.g. `75, 51, 89` or `0x4b, 0x33`
		Array.from(raw.subarray(0, 6)).join(", "),
		Array.from(raw.subarray(0, 6)).join(","),
		Array.from(raw.subarray(0, 6), (x) => `0x${x.toString(16)}`).join(", "),
		// as util.inspect prints a Uint8Array
		Array.from(raw.subarray(0, 6)).join(",\n"),
	];
}

export function expectNoLeak(text: string): void {
	for (const m of leakMarkers())
		expect(text.includes(m), `output contains the secret pattern (${m})`).toBe(false);
}

export function dc(over: Partial<DcEntry> = {}): DcEntry {
	return {
		dcId: 2,
		addr: "149.154.167.51:443",
		authKey: null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: 0,
		...over,
	};
}

export function session(over: Partial<PersistedSession> = {}): PersistedSession {
	return {
		homeDcId: 0,
		dcs: [],
		updatesState: { pts: 0, qts: 0, date: 0, seq: 0, channels: [] },
		peers: [],
		minPeers: [],
		futureAuthToken: null,
		...over,
	};
}

/** Calls `fn` and returns what it threw (fails the test when it does not throw). */
export function thrown(fn: () => unknown): unknown {
	try {
		fn();
	} catch (error) {
		return error;
	}
	throw new Error("expected a throw");
}

/** A session with secrets as hex, for `toEqual` (SecretBytes hides its bytes from deep equality). */
export function plain(s: PersistedSession): unknown {
	const sec = (x: SecretBytes | null) => (x === null ? null : `secret:${toHex(x.expose())}`);
	return {
		...s,
		dcs: s.dcs.map((d) => ({ ...d, authKey: sec(d.authKey) })),
		futureAuthToken: sec(s.futureAuthToken),
	};
}

/**
 * The same check as the kit's `assertSameSession`, on vitest's `expect` instead of `node:assert`,
 * for the tests that also run in a browser.
 */
export function expectSameSession(
	actual: PersistedSession | null,
	expected: PersistedSession,
): void {
	expect(actual).not.toBeNull();
	const want = normalizeSession(prepareSession(expected, "expected"));
	if (!sessionsEqual(actual as PersistedSession, want))
		expect(plain(actual as PersistedSession)).toEqual(plain(want));
	expect(sessionsEqual(actual as PersistedSession, want)).toBe(true);
}
