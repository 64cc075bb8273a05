// Mutation fuzzing of the foreign string decoders (Telethon, GramJS, Pyrogram, mtcute, MTKruto) and of the
// format detection: 100k+ inputs derived from valid strings (character edits, byte edits under
// the base64, truncation, re-encoding in the other alphabet) plus random strings. Each must
// decode or throw a typed session error; nothing else, no input may take long, and the heap may
// not grow with the number of inputs. XS_FUZZ_INPUTS raises the count (soak).
import { DcFlags, isSessionError } from "@x/session-core";
import { seededRandom } from "@x/session-core/testing";
import { describe, expect, it } from "vitest";
import {
	decodeForeignSession,
	decodeGramjsString,
	decodeMtcuteString,
	decodeMtkrutoString,
	decodePyrogramString,
	decodeTelethonString,
	detectSessionFormat,
	encodeGramjsString,
	encodeMtcuteString,
	encodeMtkrutoString,
	encodePyrogramString,
	encodeTelethonString,
} from "../src/index.js";
import { makeKey, oneDc } from "./helpers.js";
import { mutateBytes } from "./mutate.js";

const TOTAL = Number(process.env.XS_FUZZ_INPUTS ?? 104_000);

type Decoder = (text: string) => unknown;

const withMedia = oneDc(2, "149.154.167.51:443", makeKey(5));
withMedia.dcs.push({
	dcId: 2,
	addr: "[2001:67c:4e8:f002::b]:443",
	authKey: null,
	firstSalt: 0n,
	timeOffset: 0,
	flags: DcFlags.MEDIA_ONLY | DcFlags.IPV6,
});

/** Valid strings of each format: the seeds every mutation starts from. */
const targets: { name: string; decode: Decoder; seeds: string[] }[] = [
	{
		name: "telethon",
		decode: decodeTelethonString,
		seeds: [
			encodeTelethonString(oneDc(2, "149.154.167.51:443", makeKey(1))),
			encodeTelethonString(oneDc(4, "[2001:67c:4e8:f004::a]:443", makeKey(2), DcFlags.IPV6)),
		],
	},
	{
		name: "gramjs",
		decode: decodeGramjsString,
		seeds: [
			encodeGramjsString(oneDc(2, "149.154.167.51:443", makeKey(3))),
			encodeGramjsString(oneDc(1, "pluto.web.telegram.org:443", makeKey(4))),
		],
	},
	{
		name: "pyrogram",
		decode: decodePyrogramString,
		seeds: (["current", "old-64", "old-32"] as const).map((layout) =>
			encodePyrogramString(oneDc(2, "0.0.0.0:443", makeKey(6)), {
				userId: layout === "old-32" ? 123_456_789n : 5_123_456_789n,
				isBot: layout !== "old-64",
				layout,
				...(layout === "current" ? { apiId: 611335 } : {}),
			}),
		),
	},
	{
		name: "mtcute",
		decode: decodeMtcuteString,
		seeds: [
			encodeMtcuteString(withMedia, {
				self: { userId: 777_000n, isBot: false },
				testMode: false,
			}),
			encodeMtcuteString(oneDc(4, "149.154.167.91:443", makeKey(7))),
		],
	},
	{
		name: "mtkruto",
		decode: decodeMtkrutoString,
		seeds: [
			encodeMtkrutoString(oneDc(2, "149.154.167.51:443", makeKey(8))),
			encodeMtkrutoString(
				oneDc(1, "149.154.175.10:80", new Uint8Array(256).fill(0, 0, 200).fill(9, 200)),
				{
					testMode: true,
				},
			),
		],
	},
];

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n1";

/** One to three character edits (replace, delete a run, insert). */
function editChars(text: string, next: () => number): string {
	const chars = [...text];
	for (let e = 0; e < 1 + (next() % 3); e++) {
		const at = next() % (chars.length + 1);
		const op = next() % 3;
		if (op === 0) chars[at] = ALPHABET[next() % ALPHABET.length] as string;
		else if (op === 1) chars.splice(at, 1 + (next() % 8));
		else chars.splice(at, 0, ALPHABET[next() % ALPHABET.length] as string);
	}
	return chars.join("");
}

/** Edits the bytes under the base64 (keeping a leading version digit), re-encoded in either alphabet. */
function editBytes(text: string, next: () => number): string {
	const prefixed = /^[0-9]/.test(text) && text.length % 4 !== 0;
	const body = prefixed ? text.slice(1) : text;
	const bytes = mutateBytes(Buffer.from(body, "base64"), next, [0, 1, 4, 6, 16, 0x7f, 0x80, 0xff]);
	const encoded = bytes.toString(next() % 2 ? "base64" : "base64url");
	return (prefixed ? text[0] : "") + encoded;
}

/** A random string: base64 of random bytes (sometimes with a version digit), or random characters. */
function randomText(next: () => number): string {
	const length = next() % 400;
	if (next() % 2) {
		const bytes = Buffer.from(Array.from({ length }, () => next() & 0xff));
		return (next() % 2 ? "1" : "") + bytes.toString(next() % 2 ? "base64" : "base64url");
	}
	return Array.from({ length }, () => ALPHABET[next() % ALPHABET.length]).join("");
}

/** Runs `decode`; a thrown value that is not a typed session error fails the test, naming the input. */
function onlyTypedErrors(name: string, decode: () => unknown, text: string): void {
	try {
		decode();
	} catch (error) {
		if (!isSessionError(error))
			throw new Error(
				`${name}: untyped ${error instanceof Error ? error.name : typeof error} for "${text.slice(0, 120)}": ${String(error)}`,
			);
	}
}

describe("fuzzing the foreign string decoders", () => {
	it(
		`${TOTAL} mutated and random strings: typed errors only, no hang, bounded heap`,
		() => {
			const next = seededRandom(2024);
			const gc = (globalThis as { gc?: () => void }).gc;
			gc?.();
			const heapBefore = process.memoryUsage().heapUsed;
			let heapPeak = heapBefore;
			const counts: Record<string, number> = {};
			for (let i = 0; i < TOTAL; i++) {
				const target = targets[i % targets.length] as (typeof targets)[number];
				const seed = target.seeds[(i >> 2) % target.seeds.length] as string;
				const kind = next() % 10;
				const text =
					kind < 4 ? editChars(seed, next) : kind < 9 ? editBytes(seed, next) : randomText(next);
				onlyTypedErrors(target.name, () => target.decode(text), text);
				// detection tries every decoder on the same input; every 3rd input keeps the run short
				if (i % 3 === 0) {
					onlyTypedErrors("detect", () => detectSessionFormat(text), text);
					onlyTypedErrors("auto", () => decodeForeignSession(text), text);
				}
				counts[target.name] = (counts[target.name] ?? 0) + 1;
				if (i % 5000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
			}
			gc?.();
			const growth = process.memoryUsage().heapUsed - heapBefore;
			expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(TOTAL);
			expect(Math.min(...Object.values(counts))).toBeGreaterThanOrEqual(TOTAL / targets.length - 1);
			// nothing is retained per input: with gc exposed the heap returns to where it started
			expect(growth).toBeLessThan(gc ? 8 * 2 ** 20 : 64 * 2 ** 20);
			expect(heapPeak - heapBefore).toBeLessThan(256 * 2 ** 20);
		},
		// a decoder that hangs on some input fails the test by this timeout (no per-input clock:
		// a GC pause on shared cores made a wall-clock bound fail without any slow decoder)
		Math.max(60_000, TOTAL * 0.6),
	);

	it("the mutations reach the decoders' success and failure paths for every format", () => {
		const next = seededRandom(7);
		for (const target of targets) {
			let ok = 0;
			let failed = 0;
			for (let i = 0; i < 2000; i++) {
				const seed = target.seeds[i % target.seeds.length] as string;
				try {
					target.decode(i % 2 ? editBytes(seed, next) : editChars(seed, next));
					ok++;
				} catch (error) {
					expect(isSessionError(error)).toBe(true);
					failed++;
				}
			}
			// a fuzzer that only ever hits the first length check would test nothing
			expect(ok, target.name).toBeGreaterThan(20);
			expect(failed, target.name).toBeGreaterThan(200);
		}
	});
});
