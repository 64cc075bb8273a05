// Mutation fuzzing of the tdata decoders: the TDF$ container, key_datas, the MTP authorization
// block, and whole folders with a damaged file. Every input must decode or throw a typed session
// error; the heap may not grow with the number of inputs. XS_FUZZ_INPUTS raises the count (soak).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSessionError, SecretBytes } from "@x/session-core";
import { seededRandom } from "@x/session-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import {
	decodeKeyData,
	decodeMtpAuthorization,
	decodeTdf,
	encodeKeyData,
	encodeMtpAuthorization,
	encodeTdf,
	nodeTdataCrypto,
	readTdataFolder,
	writeTdataFolder,
} from "../src/index.js";
import { encodeTestMtpConfig, readEnvironment } from "../src/tdata/mtp-config.js";
import { makeKey, oneDc } from "./helpers.js";
import { mutateBytes } from "./mutate.js";

const TOTAL = Number(process.env.XS_FUZZ_INPUTS ?? 30_000);
const crypto = nodeTdataCrypto();

/** One to four byte edits (see mutate.ts), with the block id among the special values. */
function mutate(seed: Uint8Array, next: () => number): Uint8Array {
	return new Uint8Array(mutateBytes(Buffer.from(seed), next, [0, 1, 0x4b, 0x7f, 0x80, 0xff]));
}

async function onlyTypedErrors(name: string, run: () => unknown): Promise<"ok" | "failed"> {
	try {
		await run();
		return "ok";
	} catch (error) {
		if (!isSessionError(error))
			throw new Error(
				`${name}: untyped ${error instanceof Error ? error.name : typeof error}: ${String(error)}`,
			);
		return "failed";
	}
}

const mtp = encodeMtpAuthorization({
	userId: 5_123_456_789n,
	mainDcId: 2,
	authKeys: [
		{ dcId: 2, key: new SecretBytes(makeKey(1)) },
		{ dcId: 4, key: new SecretBytes(makeKey(2)) },
	],
	keysToDestroy: [],
});
const keyDatas = await encodeKeyData(
	crypto,
	{ localKey: new SecretBytes(makeKey(3)), accounts: [0, 1], active: 1 },
	"",
);

const targets: { name: string; seed: Uint8Array; decode: (b: Uint8Array) => unknown }[] = [
	{ name: "container", seed: encodeTdf(crypto, mtp), decode: (b) => decodeTdf(crypto, b, "f") },
	{ name: "mtp authorization", seed: mtp, decode: decodeMtpAuthorization },
	{ name: "key_datas", seed: keyDatas, decode: (b) => decodeKeyData(crypto, b, "") },
	{ name: "mtp config", seed: encodeTestMtpConfig(), decode: readEnvironment },
];

describe("fuzzing the tdata decoders", () => {
	it(`${TOTAL} mutated and random inputs: typed errors only, bounded heap`, async () => {
		const next = seededRandom(29);
		const gc = (globalThis as { gc?: () => void }).gc;
		gc?.();
		const heapBefore = process.memoryUsage().heapUsed;
		const outcomes = new Map<string, { ok: number; failed: number }>();
		for (let i = 0; i < TOTAL; i++) {
			const target = targets[i % targets.length] as (typeof targets)[number];
			const input =
				next() % 10 === 0
					? new Uint8Array(Array.from({ length: next() % 600 }, () => next() & 0xff))
					: mutate(target.seed, next);
			const outcome = await onlyTypedErrors(target.name, () => target.decode(input));
			const o = outcomes.get(target.name) ?? { ok: 0, failed: 0 };
			o[outcome]++;
			outcomes.set(target.name, o);
		}
		gc?.();
		const growth = process.memoryUsage().heapUsed - heapBefore;
		expect(growth).toBeLessThan(gc ? 8 * 2 ** 20 : 64 * 2 ** 20);
		// the mutations reach past the first check: some decode, most fail
		for (const [name, o] of outcomes) {
			if (name === "mtp config") continue; // never throws by design
			expect(o.failed, name).toBeGreaterThan(TOTAL / targets.length / 4);
		}
		expect(outcomes.get("mtp authorization")?.ok).toBeGreaterThan(50);
	}, 120_000);

	const root = mkdtempSync(join(tmpdir(), "xs-tdata-fuzz-"));
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	it("a folder with one damaged file (key_datas or the account file) reads or fails typed", async () => {
		const dir = join(root, "folder");
		await writeTdataFolder(dir, oneDc(2, "149.154.167.51:443", makeKey(4)));
		const next = seededRandom(31);
		const files = [join(dir, "key_datas"), join(dir, "D877F783D5D3EF8Cs")];
		const originals = files.map((f) => new Uint8Array(readFileSync(f)));
		let failed = 0;
		for (let i = 0; i < 400; i++) {
			const which = i % 2;
			writeFileSync(files[which] as string, mutate(originals[which] as Uint8Array, next));
			if ((await onlyTypedErrors("folder", () => readTdataFolder(dir))) === "failed") failed++;
			writeFileSync(files[which] as string, originals[which] as Uint8Array);
		}
		expect(failed).toBeGreaterThan(300);
	}, 120_000);
});
