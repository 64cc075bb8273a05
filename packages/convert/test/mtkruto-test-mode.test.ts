// A test-server account must stay one through MTKruto strings and tdata folders: the flag rides on
// the `tdata:test-mode` extension value, and a target that cannot hold it reports the loss.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
	conversionLosses,
	decodeMtkrutoString,
	encodeMtkrutoString,
	readTdataFolder,
	writeTdataFolder,
} from "../src/index.js";
import { tdataFactsOf } from "../src/tdata/account-session.js";
import { makeKey, oneDc } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "xs-mtkruto-test-mode-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const testString = encodeMtkrutoString(oneDc(2, "149.154.167.40:443", makeKey(5)), {
	testMode: true,
});

describe("the test flag of MTKruto strings", () => {
	it("decoding a 2-test string marks the session as a test account", () => {
		const { session, extra } = decodeMtkrutoString(testString);
		expect(extra.testMode).toBe(true);
		expect(session.dcs[0]?.addr).toBe("149.154.167.40:443");
		expect(tdataFactsOf(session).testMode).toBe(true);
	});

	it("MTKruto -> MTKruto keeps -test without being told", () => {
		const again = encodeMtkrutoString(decodeMtkrutoString(testString).session);
		expect(again).toBe(testString);
		expect(decodeMtkrutoString(again).extra.testMode).toBe(true);
		expect(conversionLosses(decodeMtkrutoString(testString).session, "mtkruto")).toEqual([]);
	});

	it("a production string stays production and carries no extension", () => {
		const prod = encodeMtkrutoString(oneDc(2, "149.154.167.51:443", makeKey(5)));
		const { session } = decodeMtkrutoString(prod);
		expect(session.extensions?.size ?? 0).toBe(0);
		expect(encodeMtkrutoString(session)).toBe(prod);
	});

	it("MTKruto -> tdata writes a test folder, and a test folder gives a -test string", async () => {
		const dir = join(root, "from-mtkruto");
		const { session } = decodeMtkrutoString(testString);
		expect(conversionLosses(session, "tdata")).toEqual([]);
		await writeTdataFolder(dir, [{ session }]);
		const read = await readTdataFolder(dir);
		expect(read.extra.testMode).toBe(true);
		expect(read.session.dcs.map((d) => d.addr)).toEqual(["149.154.167.40:443"]);
		expect(decodeMtkrutoString(encodeMtkrutoString(read.session)).extra.testMode).toBe(true);
		expect(conversionLosses(read.session, "mtkruto", { userId: 0n })).toContain(
			"the account's own user id",
		);
		expect(conversionLosses(read.session, "mtkruto").join()).not.toMatch(/test/);
	});

	it("a target without a test flag reports it as lost", () => {
		const { session } = decodeMtkrutoString(testString);
		for (const target of ["telethon", "gramjs", "mtcute", "pyrogram", "compact"] as const)
			expect(conversionLosses(session, target)).toContain(
				"the test-server flag (the account would be taken for a production one)",
			);
		const prod = oneDc(2, "149.154.167.51:443", makeKey(5));
		expect(conversionLosses(prod, "telethon").join()).not.toMatch(/test/);
	});
});
