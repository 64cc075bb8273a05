// tdata folders and MTKruto strings against @mtcute/convert 0.29.7, both directions, offline:
// what it writes we read (account, DC, key bytes, user id), what we write it reads; with and
// without a passcode, with two accounts; a test account's config decrypts to the test flag.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSession, encodeSession } from "@x/session-core";
import { afterAll, describe, expect, it } from "vitest";
import {
	decodeForeignSession,
	decodeMtkrutoString,
	encodeMtkrutoString,
	readTdataFolder,
	TDATA_EXTENSION_KEYS,
	writeTdataFolder,
} from "../src/index.js";
import { encodeTestMtpConfig } from "../src/tdata/mtp-config.js";
import { hex, makeKey, oneDc } from "./helpers.js";
import { type MtcuteAccount, mtcute, mtcuteConvertAvailable } from "./mtcute-interop.js";

const available = await mtcuteConvertAvailable();
const root = mkdtempSync(join(tmpdir(), "xs-tdata-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `t${n++}`);

const accounts = [
	{ userId: "5123456789", mainDcId: 2, keys: [{ dcId: 2, key: hex(makeKey(11)) }] },
	{
		userId: "777000",
		mainDcId: 4,
		keys: [
			{ dcId: 4, key: hex(makeKey(12)) },
			{ dcId: 1, key: hex(makeKey(13)) },
		],
	},
];

describe.skipIf(!available)("tdata: @mtcute/convert writes, we read", () => {
	for (const passcode of [undefined, "correct horse"]) {
		it(`two accounts, ${passcode ? "with" : "without"} a passcode`, async () => {
			const dir = fresh();
			mtcute({ op: "write-tdata", path: dir, passcode, accounts });
			for (const [index, want] of accounts.entries()) {
				const { session, extra } = await readTdataFolder(dir, {
					account: index,
					...(passcode ? { passcode } : {}),
				});
				expect(extra.accounts).toEqual([0, 1]);
				expect(extra.userId).toBe(BigInt(want.userId));
				expect(extra.testMode).toBe(false);
				expect(session.homeDcId).toBe(want.mainDcId);
				expect(
					session.dcs.map((d) => [d.dcId, hex(d.authKey?.expose() ?? new Uint8Array())]),
				).toEqual(want.keys.map((k) => [k.dcId, k.key]));
			}
			if (passcode)
				await expect(readTdataFolder(dir, { passcode: "wrong" })).rejects.toMatchObject({
					code: "ENCRYPTION",
				});
		});
	}
});

describe.skipIf(!available)("tdata: we write, @mtcute/convert reads", () => {
	for (const passcode of [undefined, "correct horse"]) {
		it(`two accounts, ${passcode ? "with" : "without"} a passcode`, async () => {
			const dir = fresh();
			const first = oneDc(2, "149.154.167.51:443", makeKey(21));
			const second = oneDc(5, "91.108.56.130:443", makeKey(22));
			second.dcs.push({ ...(second.dcs[0] as (typeof second.dcs)[0]), dcId: 2, authKey: null });
			await writeTdataFolder(
				dir,
				[
					{ session: first, userId: 42n },
					{ session: second, userId: 9_007_199_254_740_000n },
				],
				passcode ? { passcode } : {},
			);
			const read = mtcute<{ order: number[]; active: number; accounts: MtcuteAccount[] }>({
				op: "read-tdata",
				path: dir,
				passcode,
			});
			expect(read.order).toEqual([0, 1]);
			expect(read.active).toBe(0);
			expect(read.accounts).toEqual([
				{ index: 0, userId: "42", mainDcId: 2, keys: [{ dcId: 2, key: hex(makeKey(21)) }] },
				{
					index: 1,
					userId: "9007199254740000",
					mainDcId: 5,
					keys: [{ dcId: 5, key: hex(makeKey(22)) }],
				},
			]);
		});
	}

	it("the user id survives tdata → x-session (binary) → tdata, kept in the session's extensions", async () => {
		const source = fresh();
		mtcute({ op: "write-tdata", path: source, accounts: [accounts[0]] });
		const read = await readTdataFolder(source);
		expect(
			hex(read.session.extensions?.get(TDATA_EXTENSION_KEYS.userId)?.expose() ?? new Uint8Array()),
		).toBe("000000013161bf15");
		const stored = decodeSession(encodeSession(read.session));
		const target = fresh();
		await writeTdataFolder(target, stored);
		const back = mtcute<{ accounts: MtcuteAccount[] }>({ op: "read-tdata", path: target });
		expect(back.accounts[0]?.userId).toBe("5123456789");
		expect(back.accounts[0]?.keys).toEqual(accounts[0]?.keys);
	});

	it("a test account: mtcute reads the account, and decrypts a configs file that says test", async () => {
		const dir = fresh();
		const test = oneDc(2, "149.154.167.40:443", makeKey(23));
		await writeTdataFolder(dir, [{ session: test, userId: 42n, testMode: true }], {
			passcode: "correct horse",
		});
		const read = mtcute<{ accounts: MtcuteAccount[] }>({
			op: "read-tdata",
			path: dir,
			passcode: "correct horse",
		});
		expect(read.accounts[0]).toMatchObject({ userId: "42", mainDcId: 2 });
		const { plain } = mtcute<{ plain: string }>({
			op: "read-tdata-config",
			path: dir,
			passcode: "correct horse",
			account: 0,
		});
		// a Qt byte array holding the config: its version (1), then the environment (1: test)
		expect(plain.slice(8, 24)).toBe("0000000100000001");
		expect(plain).toBe(hex(encodeTestMtpConfig()));
	});
});

describe.skipIf(!available)("MTKruto strings against @mtcute/convert", () => {
	for (const isTest of [false, true]) {
		it(`${isTest ? "test" : "production"} DC: both directions`, () => {
			const key = makeKey(31);
			key.fill(0, 10, 40); // a zero run, so the run-length coding is exercised
			const theirs = mtcute<{ text: string }>({
				op: "write-mtkruto",
				dcId: 2,
				isTest,
				key: hex(key),
			}).text;
			const ours = decodeMtkrutoString(theirs);
			expect(ours.extra.testMode).toBe(isTest);
			expect(ours.session.homeDcId).toBe(2);
			expect(ours.session.dcs[0]?.authKey?.equals(key)).toBe(true);
			expect(decodeForeignSession(theirs).format).toBe("mtkruto");

			const written = encodeMtkrutoString(ours.session, { testMode: isTest });
			expect(written).toBe(theirs);
			const parsed = mtcute<{ dcId: number; isTest: boolean; key: string }>({
				op: "read-mtkruto",
				text: written,
			});
			expect(parsed).toMatchObject({ dcId: 2, isTest, key: hex(key) });
		});
	}
});
