// Mutation fuzzing of every decoder: 100k+ inputs derived from valid encodings (bit flips, byte
// changes, truncation, insertion, splices, random tails). Each must decode or throw the typed
// error; nothing else, and no input may take long. XS_FUZZ_INPUTS raises the count (soak).
import { describe, expect, it } from "vitest";
import { crc32 } from "../src/codec/trailer.js";
import {
	compactFromSession,
	decodeSession,
	decodeSessionString,
	encodeCompactString,
	encodeNativeString,
	encodeSession,
	SessionBackendError,
} from "../src/index.js";
import {
	edgeCaseSessions,
	sampleSession,
	seededRandom,
	sessionWithExtensions,
	testPeers,
} from "../src/testing/index.js";
import { base64Encode } from "../src/toolkit.js";

const TOTAL = Number(process.env.XS_FUZZ_INPUTS ?? 120_000);

function mutate(seed: Uint8Array, next: () => number): Uint8Array {
	let out = seed.slice();
	const edits = 1 + (next() % 4);
	for (let e = 0; e < edits; e++) {
		const at = out.length === 0 ? 0 : next() % out.length;
		switch (next() % 6) {
			case 0:
				if (out.length) out[at] = (out[at] as number) ^ (1 << (next() % 8));
				break;
			case 1:
				if (out.length) out[at] = next() & 0xff;
				break;
			case 2:
				out = out.slice(0, at);
				break;
			case 3: {
				const extra = Uint8Array.from({ length: 1 + (next() % 8) }, () => next() & 0xff);
				out = new Uint8Array([...out.subarray(0, at), ...extra, ...out.subarray(at)]);
				break;
			}
			case 4:
				if (out.length > 2) out[at] = [0, 1, 2, 0xff, 0x7f, 0x80][next() % 6] as number;
				break;
			default:
				out = new Uint8Array([
					...out.subarray(0, at),
					...out.subarray(Math.min(out.length, at + 1 + (next() % 16))),
				]);
		}
	}
	return out;
}

function onlyTypedErrors(run: () => unknown, input: () => string): void {
	try {
		run();
	} catch (error) {
		if (!(error instanceof SessionBackendError))
			throw new Error(`untyped error for ${input()}: ${String(error)}`);
	}
}

const seeds: Uint8Array[] = [
	...Object.values(edgeCaseSessions()).map((s) => encodeSession(s)),
	encodeSession({ ...sampleSession(), peers: testPeers(40, 2) }),
	encodeSession(sessionWithExtensions(3)),
];

describe("fuzzing the decoders", () => {
	it(`binary decoder: ${Math.round(TOTAL * 0.6)} mutated inputs`, () => {
		// an input that hung the decoder would run into the test's timeout; no timed assertion
		// here (a slow shared machine made one flaky), speed is measured in bench/
		const next = seededRandom(1234);
		for (let i = 0; i < TOTAL * 0.6; i++) {
			const input = mutate(seeds[i % seeds.length] as Uint8Array, next);
			onlyTypedErrors(
				() => decodeSession(input),
				() => Buffer.from(input).toString("hex").slice(0, 200),
			);
		}
	}, 120_000);

	it(`extension trailer: ${Math.round(TOTAL * 0.1)} mutated payloads with a valid checksum`, () => {
		const next = seededRandom(4321);
		const session = sessionWithExtensions(4);
		const bytes = encodeSession(session);
		const body = encodeSession({
			...session,
			extensions: new Map(),
			peers: session.peers.map(({ meta: _, ...p }) => p),
		}).length;
		for (let i = 0; i < TOTAL * 0.1; i++) {
			const payload = mutate(bytes.subarray(body + 13), next);
			const input = new Uint8Array(body + 13 + payload.length);
			input.set(bytes.subarray(0, body + 5));
			const view = new DataView(input.buffer);
			view.setUint32(body + 5, payload.length, true);
			view.setUint32(body + 9, crc32(payload), true);
			input.set(payload, body + 13);
			onlyTypedErrors(
				() => decodeSession(input),
				() => Buffer.from(payload).toString("hex").slice(0, 200),
			);
		}
	}, 120_000);

	it(`string decoders: ${Math.round(TOTAL * 0.4)} mutated native and compact strings`, () => {
		const next = seededRandom(99);
		const compact = compactFromSession(sampleSession(), 42n);
		if (!compact) throw new Error("no compact form");
		const texts = [
			encodeNativeString(sampleSession()),
			encodeCompactString(compact),
			base64Encode(seeds[0] as Uint8Array),
		];
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n";
		for (let i = 0; i < TOTAL * 0.4; i++) {
			const chars = [...(texts[i % texts.length] as string)];
			for (let e = 0; e < 1 + (next() % 3); e++) {
				const at = next() % (chars.length + 1);
				const op = next() % 3;
				if (op === 0) chars[at] = alphabet[next() % alphabet.length] as string;
				else if (op === 1) chars.splice(at, 1 + (next() % 4));
				else chars.splice(at, 0, alphabet[next() % alphabet.length] as string);
			}
			const text = chars.join("");
			onlyTypedErrors(
				() => decodeSessionString(text),
				() => text.slice(0, 120),
			);
			onlyTypedErrors(
				() => decodeSessionString(text, { lenient: true }),
				() => text.slice(0, 120),
			);
		}
	}, 120_000);
});
