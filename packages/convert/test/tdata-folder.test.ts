// tdata folders on disk: typed errors that say what is wrong, refusals that change no byte, reads
// that never write, 0700/0600 modes, and no secret in any message.
import { createHash } from "node:crypto";
import {
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	truncateSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { decodeSession, encodeSession, SecretBytes } from "@x/session-core";
import { afterAll, describe, expect, it } from "vitest";
import {
	conversionLosses,
	decodeKeyData,
	decodeMtkrutoString,
	decodeTdf,
	encodeMtkrutoString,
	encodeTdf,
	encryptLocal,
	listTdataAccounts,
	nodeTdataCrypto,
	readTdataFolder,
	TDATA_EXTENSION_KEYS,
	writeTdataFolder,
} from "../src/index.js";
import { encodeTestMtpConfig } from "../src/tdata/mtp-config.js";
import { expectTypedRejection, hex, makeKey, oneDc } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "xs-tdata-folder-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${n++}`);
const session = () => oneDc(2, "149.154.167.51:443", makeKey(7));

/** Every file under `dir` with its bytes' hash and mtime: what a read or a refusal must not change. */
function snapshot(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	const walk = (d: string) => {
		for (const e of readdirSync(d, { withFileTypes: true })) {
			const p = join(d, e.name);
			if (e.isDirectory()) walk(p);
			else
				out[p] =
					`${createHash("sha256").update(readFileSync(p)).digest("hex")} ${statSync(p).mtimeMs}`;
		}
	};
	walk(dir);
	return out;
}

describe("tdata folders", () => {
	it("writes directories 0700 and files 0600, and a read changes nothing", async () => {
		const dir = fresh();
		await writeTdataFolder(dir, [{ session: session(), userId: 99n }], { passcode: "pin" });
		expect(statSync(dir).mode & 0o777).toBe(0o700);
		expect(statSync(join(dir, "D877F783D5D3EF8C")).mode & 0o777).toBe(0o700);
		for (const f of ["key_datas", "D877F783D5D3EF8Cs", "D877F783D5D3EF8C/maps"])
			expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
		const before = snapshot(dir);
		const read = await readTdataFolder(dir, { passcode: "pin" });
		expect(read.extra.userId).toBe(99n);
		expect(read.session.dcs[0]?.addr).toBe("149.154.167.51:443");
		await listTdataAccounts(dir, { passcode: "pin" });
		await expect(readTdataFolder(dir, { passcode: "nope" })).rejects.toThrow();
		expect(snapshot(dir)).toEqual(before);
	});

	it("never writes into an existing directory unless asked; the refusal changes no byte", async () => {
		const dir = fresh();
		await writeTdataFolder(dir, session());
		const before = snapshot(dir);
		const error = await expectTypedRejection(
			() => writeTdataFolder(dir, oneDc(4, "149.154.167.91:443", makeKey(8))),
			"INVALID_ARGUMENT",
		);
		expect(error.message).toMatch(/already exists/);
		expect(snapshot(dir)).toEqual(before);
		const other = fresh();
		mkdirSync(other);
		writeFileSync(join(other, "notes.txt"), "mine");
		await expectTypedRejection(() => writeTdataFolder(other, session()), "INVALID_ARGUMENT");
		expect(readdirSync(other)).toEqual(["notes.txt"]);
		await writeTdataFolder(dir, oneDc(4, "149.154.167.91:443", makeKey(8)), { overwrite: true });
		expect((await readTdataFolder(dir)).session.homeDcId).toBe(4);
	});

	it("a refused session (no key on the home DC; a test account on DC 4) writes nothing", async () => {
		const dir = fresh();
		await expectTypedRejection(
			() => writeTdataFolder(dir, oneDc(2, "149.154.167.51:443", null)),
			"INVALID_ARGUMENT",
		);
		const onFour = oneDc(4, "149.154.167.91:443", makeKey(7));
		await expectTypedRejection(
			() => writeTdataFolder(dir, [{ session: onFour, testMode: true }]),
			"INVALID_ARGUMENT",
		);
		expect(() => statSync(dir)).toThrow();
	});

	it("says what is wrong: not tdata, no such account, missing or wrong passcode, damaged file", async () => {
		const notTdata = fresh();
		mkdirSync(notTdata);
		expect(
			(await expectTypedRejection(() => readTdataFolder(notTdata), "CORRUPT_DATA")).message,
		).toMatch(/not a Telegram Desktop tdata folder/);
		await expectTypedRejection(() => readTdataFolder(join(root, "missing")), "IO");

		const dir = fresh();
		await writeTdataFolder(dir, [{ session: session() }, { session: session() }], {
			passcode: "hunter2",
		});
		const account = await expectTypedRejection(
			() => readTdataFolder(dir, { passcode: "hunter2", account: 5 }),
			"INVALID_ARGUMENT",
		);
		expect(account.message).toMatch(/account #6 does not exist.*#1, #2/);
		const missing = await expectTypedRejection(() => readTdataFolder(dir), "ENCRYPTION");
		expect(missing.message).toMatch(/passcode/);
		expect((missing as unknown as { reason: string }).reason).toBe("missing-key");
		const wrong = await expectTypedRejection(
			() => readTdataFolder(dir, { passcode: "hunter3" }),
			"ENCRYPTION",
		);
		expect(wrong.message).toMatch(/passcode is wrong/);
		expect(wrong.message).not.toContain("hunter");

		truncateSync(join(dir, "A7FDF864FBC10B77s"), 100);
		const damaged = await expectTypedRejection(
			() => readTdataFolder(dir, { passcode: "hunter2", account: 1 }),
			"CORRUPT_DATA",
		);
		expect(damaged.message).toMatch(/MD5/);
		// the first account is untouched and still reads
		expect((await readTdataFolder(dir, { passcode: "hunter2" })).extra.account).toBe(0);
	});

	it("reads the legacy 0/1 copies, the newer one first, falling back past a damaged one", async () => {
		const dir = fresh();
		await writeTdataFolder(dir, session());
		const good = readFileSync(join(dir, "D877F783D5D3EF8Cs"));
		rmSync(join(dir, "D877F783D5D3EF8Cs"));
		writeFileSync(join(dir, "D877F783D5D3EF8C0"), good);
		writeFileSync(join(dir, "D877F783D5D3EF8C1"), good.subarray(0, 50)); // newer, damaged
		expect((await readTdataFolder(dir)).session.homeDcId).toBe(2);
	});

	it("an account whose MTP config says test environment reads with the test DCs", async () => {
		const dir = fresh();
		await writeTdataFolder(dir, session());
		const crypto = nodeTdataCrypto();
		const keyFile = decodeTdf(crypto, new Uint8Array(readFileSync(join(dir, "key_datas"))), "k");
		const { localKey } = await decodeKeyData(crypto, keyFile.payload, "");
		const writeConfig = (config: Uint8Array) => {
			const sealed = encryptLocal(crypto, config, localKey.expose());
			const payload = Buffer.alloc(4 + sealed.length);
			payload.writeUInt32BE(sealed.length, 0);
			Buffer.from(sealed).copy(payload, 4);
			const file = encodeTdf(crypto, new Uint8Array(payload));
			writeFileSync(join(dir, "D877F783D5D3EF8C", "configs"), file);
		};
		// only the header (version 1, environment test): Desktop would not take it, nor do we
		writeConfig(new Uint8Array(Buffer.from("0000000800000001" + "00000001", "hex")));
		expect((await readTdataFolder(dir)).extra.testMode).toBe(false);
		writeConfig(encodeTestMtpConfig());

		const read = await readTdataFolder(dir);
		expect(read.extra.testMode).toBe(true);
		expect(read.session.dcs[0]?.addr).toBe("149.154.167.40:443");
		expect(read.session.extensions?.get(TDATA_EXTENSION_KEYS.testMode)?.expose()).toEqual(
			new Uint8Array([1]),
		);
		expect((await readTdataFolder(dir, { testMode: false })).session.dcs[0]?.addr).toBe(
			"149.154.167.51:443",
		);
	});

	it("the user id and the test flag survive tdata -> x-session bytes -> tdata (configs only for test)", async () => {
		const testKey = new SecretBytes(new Uint8Array([1]));
		const test = oneDc(2, "149.154.167.40:443", makeKey(7));
		test.extensions = new Map([[TDATA_EXTENSION_KEYS.testMode, testKey]]);
		const first = fresh();
		await writeTdataFolder(first, [{ session: test, userId: 5_123_456_789n }]);
		expect(statSync(join(first, "D877F783D5D3EF8C", "configs")).mode & 0o777).toBe(0o600);
		const read = await readTdataFolder(first);
		expect(read.extra).toMatchObject({ testMode: true, userId: 5_123_456_789n });

		const again = decodeSession(encodeSession(read.session)); // what any backend stores
		const second = fresh();
		await writeTdataFolder(second, again);
		const back = await readTdataFolder(second);
		expect(back.extra).toMatchObject({ testMode: true, userId: 5_123_456_789n });
		expect(back.session.dcs.map((d) => d.addr)).toEqual(["149.154.167.40:443"]);
		expect(back.session.dcs[0]?.authKey?.expose()).toEqual(makeKey(7));
		// a production account gets no config (Desktop takes production when the file is missing);
		// overwriting the test account removes the one written before
		const production = fresh();
		await writeTdataFolder(production, again);
		await writeTdataFolder(production, [{ session: again, testMode: false }], { overwrite: true });
		expect(readdirSync(join(production, "D877F783D5D3EF8C"))).toEqual(["maps"]);
		expect((await readTdataFolder(production)).extra).toMatchObject({
			testMode: false,
			userId: 5_123_456_789n,
		});
	});

	it("conversionLosses: tdata keeps every DC's key and the user id, MTKruto one key", async () => {
		const dir = fresh();
		const two = session();
		two.dcs.push({
			...(two.dcs[0] as (typeof two.dcs)[0]),
			dcId: 4,
			authKey: new SecretBytes(makeKey(9)),
		});
		two.peers.push({ kind: "user", id: 5n, accessHash: 6n, channelKind: null });
		await writeTdataFolder(dir, [{ session: two, userId: 77n }]);
		const read = await readTdataFolder(dir);
		expect(conversionLosses(read.session, "tdata", { userId: 77n })).toEqual([]);
		expect(conversionLosses(two, "tdata", { userId: 77n })).toEqual(["1 peer"]);
		expect(conversionLosses(read.session, "mtkruto", { userId: 77n })).toEqual([
			"the auth key of DC 4",
			"1 client extension value",
			"the account's own user id",
		]);
	});

	it("keys never show in errors, inspect or JSON", async () => {
		const dir = fresh();
		await writeTdataFolder(dir, session());
		const read = await readTdataFolder(dir);
		const keyHex = hex(makeKey(7));
		expect(inspect(read, { depth: 10 })).not.toContain(keyHex.slice(0, 32));
		expect(JSON.stringify(read, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
			keyHex.slice(0, 32),
		);
		const text = encodeMtkrutoString(read.session);
		try {
			decodeMtkrutoString(`${text.slice(0, 100)}!${text.slice(100)}`);
		} catch (error) {
			expect(String(error)).not.toContain(text.slice(0, 40));
		}
	});
});
