// Known answers for each piece of the tdata codec. The expected values come from
// test/python/tdata_vectors.py, which computes them apart from our code (hashlib, the
// `cryptography` package, the layouts written out in Python).
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { SecretBytes } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { Writer } from "../src/bytes.js";
import {
	accountDataName,
	decodeKeyData,
	decodeMtpAuthorization,
	decodeTdf,
	decryptLocal,
	derivePasscodeKey,
	encodeKeyData,
	encodeMtpAuthorization,
	encodeTdf,
	encryptLocal,
	nodeTdataCrypto,
	type TdataCrypto,
	type TdataMtpAuthorization,
	tdataFileName,
} from "../src/index.js";
import { aesIge, deriveAesKeyIv } from "../src/tdata/local-encryption.js";
import { encodeTestMtpConfig, readEnvironment } from "../src/tdata/mtp-config.js";
import { writeQBytes } from "../src/tdata/qt-bytes.js";
import { expectTypedError, hex, makeKey } from "./helpers.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));
const range = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => from + i);

/** node:crypto with fixed "random" bytes: 32-byte requests (salts) 0x11, others (padding) 0xAA. */
const fixed: TdataCrypto = {
	...nodeTdataCrypto(),
	randomBytes: (n) => new Uint8Array(n).fill(n === 32 ? 0x11 : 0xaa),
};
const crypto = nodeTdataCrypto();

describe("tdata key derivation", () => {
	it("derives the passcode key: SHA-512(salt+pass+salt), PBKDF2-HMAC-SHA512, 1 round without a passcode", async () => {
		const key = await derivePasscodeKey(crypto, "", range(0, 32));
		expect(key.length).toBe(256);
		expect(hex(key.subarray(0, 16))).toBe("7ce9b2c87b8b982b84434ca8cb61577b");
		expect(sha256(key)).toBe("d392b2760d13fd232440506d53fd1aa8822ab4a2e342ce7d79d95ea82c0aeb70");
	});

	it("uses 100 000 rounds with a passcode", async () => {
		const key = await derivePasscodeKey(crypto, "123123", range(0, 32));
		expect(sha256(key)).toBe("d4207263a9949b30ff5fbed8351ce5860e72868c1ec3f13c59dffdbd60c1f9bf");
	});

	it("names account files by the nibble-swapped MD5 of the data name", () => {
		expect(accountDataName(0)).toBe("data");
		expect(accountDataName(1)).toBe("data#2");
		expect(tdataFileName(crypto, accountDataName(0))).toBe("D877F783D5D3EF8C");
		expect(tdataFileName(crypto, accountDataName(1))).toBe("A7FDF864FBC10B77");
		expect(tdataFileName(crypto, accountDataName(2))).toBe("F8806DD0C461824F");
	});

	it("derives AES key and IV as MTProto v1 does for the receiving side (x = 8)", () => {
		const { aesKey, aesIv } = deriveAesKeyIv(crypto, makeKey(1), range(100, 16));
		expect(hex(aesKey)).toBe("50ddce48ff528a2c087d31a925a0e69d28779625f6081e6a7ea4410614fe6d92");
		expect(hex(aesIv)).toBe("d8f57f5dd3670e3950875c52740ece753e5dfe6e4ad4b1316ad1824cd3a12349");
	});
});

describe("tdata local encryption", () => {
	it("AES-256-IGE, both directions", () => {
		const aesKey = fromHex("50ddce48ff528a2c087d31a925a0e69d28779625f6081e6a7ea4410614fe6d92");
		const aesIv = fromHex("d8f57f5dd3670e3950875c52740ece753e5dfe6e4ad4b1316ad1824cd3a12349");
		const expected =
			"21d559fe29efba0741ac1a6de722a7443992f54d8eb29b29649ae0af23af620249e4ecc5e673e9221180d79cea9cc363";
		const cipher = crypto.aes256Blocks(aesKey);
		expect(hex(aesIge(cipher, aesIv, range(0, 48), "encrypt"))).toBe(expected);
		const back = aesIge(crypto.aes256Blocks(aesKey), aesIv, fromHex(expected), "decrypt");
		expect(back).toEqual(range(0, 48));
	});

	it("encrypts as Desktop does (length prefix, padding, SHA-1 message key) and decrypts back", () => {
		const data = new TextEncoder().encode("hello, desktop");
		const encrypted = encryptLocal(fixed, data, makeKey(1));
		expect(hex(encrypted)).toBe(
			"dc9815f491ea249ad4e2a73b5b70cb36df4c663c0414ab95555183a7ab61b04ab7a5c1ddb02c725dfdafa1d3480f9b77",
		);
		expect(decryptLocal(crypto, encrypted, makeKey(1), "test", "wrong key")).toEqual(data);
	});

	it("a wrong key is ENCRYPTION / wrong-key; a damaged length is corrupt", () => {
		const encrypted = encryptLocal(fixed, range(1, 20), makeKey(1));
		const error = expectTypedError(
			() => decryptLocal(crypto, encrypted, makeKey(2), "test", "wrong key"),
			"ENCRYPTION",
		);
		expect((error as unknown as { reason: string }).reason).toBe("wrong-key");
		expectTypedError(
			() => decryptLocal(crypto, encrypted.subarray(0, 20), makeKey(1), "test", "x"),
			"CORRUPT_DATA",
		);
	});
});

describe("TDF$ container", () => {
	it("magic, version LE, payload, MD5 over payload + length + version + magic", () => {
		const bytes = encodeTdf(crypto, new TextEncoder().encode("hello"));
		expect(hex(bytes)).toBe("54444624836a4c0068656c6c6f74f6a8cd255dde089241888093a70e0a");
		const back = decodeTdf(crypto, bytes, "test");
		expect(back.version).toBe(5008003);
		expect(new TextDecoder().decode(back.payload)).toBe("hello");
	});

	it("rejects a wrong magic, a truncated file and a failed MD5 with corrupt-data errors", () => {
		const bytes = encodeTdf(crypto, range(0, 40));
		const wrongMagic = bytes.slice();
		wrongMagic[0] = 0x55;
		expect(
			expectTypedError(() => decodeTdf(crypto, wrongMagic, "f"), "CORRUPT_DATA").message,
		).toMatch(/no TDF\$ magic/);
		expectTypedError(() => decodeTdf(crypto, bytes.subarray(0, 20), "f"), "CORRUPT_DATA");
		const flipped = bytes.slice();
		flipped[12] = (flipped[12] as number) ^ 1;
		expect(expectTypedError(() => decodeTdf(crypto, flipped, "f"), "CORRUPT_DATA").message).toMatch(
			/MD5/,
		);
		expect(
			expectTypedError(
				() => decodeTdf(crypto, bytes.subarray(0, bytes.length - 3), "f"),
				"CORRUPT_DATA",
			).message,
		).toMatch(/MD5/);
	});
});

describe("key_datas", () => {
	it("salt, local key under the passcode key, account list under the local key", async () => {
		const localKey = makeKey(2);
		const payload = await encodeKeyData(
			fixed,
			{ localKey: new SecretBytes(localKey), accounts: [0, 1], active: 0 },
			"",
		);
		expect(sha256(payload)).toBe(
			"3175936307cbf757887aa9265b606404e97f23c19c9c9907188ba00539a53e36",
		);
		const back = await decodeKeyData(crypto, payload, "");
		expect(back.accounts).toEqual([0, 1]);
		expect(back.active).toBe(0);
		expect(back.localKey.expose()).toEqual(localKey);
	});

	it("a passcode-protected key_datas: missing passcode and wrong passcode are ENCRYPTION errors", async () => {
		const payload = await encodeKeyData(
			crypto,
			{ localKey: new SecretBytes(makeKey(3)), accounts: [0], active: 0 },
			"secret-pass",
		);
		await expect(decodeKeyData(crypto, payload, "")).rejects.toMatchObject({
			code: "ENCRYPTION",
			reason: "missing-key",
		});
		await expect(decodeKeyData(crypto, payload, "wrong")).rejects.toMatchObject({
			code: "ENCRYPTION",
			reason: "wrong-key",
		});
		expect((await decodeKeyData(crypto, payload, "secret-pass")).localKey.expose()).toEqual(
			makeKey(3),
		);
	});
});

describe("MTP authorization block", () => {
	const auth = {
		userId: 5_123_456_789n,
		mainDcId: 2,
		authKeys: [{ dcId: 2, key: new SecretBytes(makeKey(1)) }],
	};
	/** The block with its keys as hex, to compare (SecretBytes hide their bytes from toEqual). */
	const plain = (a: TdataMtpAuthorization) => ({
		...a,
		authKeys: a.authKeys.map((k) => ({ dcId: k.dcId, key: hex(k.key.expose()) })),
		keysToDestroy: a.keysToDestroy.map((k) => ({ dcId: k.dcId, key: hex(k.key.expose()) })),
	});

	it("block 0x4B: -1, -1, user id (u64), main DC, keys, keys to destroy (none)", () => {
		const bytes = encodeMtpAuthorization({ ...auth, keysToDestroy: [] });
		expect(sha256(bytes)).toBe("6fd502de89291655eea742c4e78de2e1d6d82ccd2183e0050358130b12218337");
		expect(plain(decodeMtpAuthorization(bytes))).toEqual(plain({ ...auth, keysToDestroy: [] }));
		// the decoded keys are SecretBytes: inspect and JSON show their length only
		const shown = `${inspect(decodeMtpAuthorization(bytes), { depth: 9 })}${JSON.stringify(decodeMtpAuthorization(bytes), (_, v) => (typeof v === "bigint" ? `${v}` : v))}`;
		expect(shown).not.toContain(hex(makeKey(1)).slice(0, 24));
	});

	it("several keys (past the encoder's first buffer) round-trip", () => {
		const keys = [1, 2, 3, 4, 5].map((dcId) => ({ dcId, key: new SecretBytes(makeKey(dcId)) }));
		const many = { userId: 1n, mainDcId: 3, authKeys: keys, keysToDestroy: [] };
		expect(plain(decodeMtpAuthorization(encodeMtpAuthorization(many)))).toEqual(plain(many));
	});

	it("reads the legacy layout (32-bit user id and DC first)", () => {
		const inner = Buffer.alloc(8 + 4 + 260 + 4);
		inner.writeInt32BE(123456, 0);
		inner.writeInt32BE(4, 4);
		inner.writeUInt32BE(1, 8);
		inner.writeInt32BE(4, 12);
		Buffer.from(makeKey(9)).copy(inner, 16);
		const outer = Buffer.alloc(8);
		outer.writeUInt32BE(0x4b, 0);
		outer.writeUInt32BE(inner.length, 4);
		const decoded = decodeMtpAuthorization(new Uint8Array(Buffer.concat([outer, inner])));
		expect(decoded.userId).toBe(123456n);
		expect(decoded.mainDcId).toBe(4);
		expect(decoded.authKeys[0]?.key.expose()).toEqual(makeKey(9));
	});

	it("rejects another block, a key count beyond the data, and truncation", () => {
		const bytes = encodeMtpAuthorization({ ...auth, keysToDestroy: [] });
		const other = bytes.slice();
		other[3] = 0x4c;
		expectTypedError(() => decodeMtpAuthorization(other), "CORRUPT_DATA");
		const many = bytes.slice();
		many[8 + 20 + 3] = 200; // the key count
		expectTypedError(() => decodeMtpAuthorization(many), "CORRUPT_DATA");
		expectTypedError(() => decodeMtpAuthorization(bytes.subarray(0, 100)), "CORRUPT_DATA");
	});
});

describe("MTP config (the environment)", () => {
	const testConfig =
		"000001de000000010000000100000124fffffffe000000060000000100000010000001bb0000000e3134392e3135342e3137352e3130000000000000000100000011000001bb00000027323030313a306232383a663233643a663030313a303030303a303030303a303030303a30303065000000000000000200000010000001bb0000000e3134392e3135342e3136372e3430000000000000000200000011000001bb00000027323030313a303637633a303465383a663030323a303030303a303030303a303030303a30303065000000000000000300000010000001bb0000000f3134392e3135342e3137352e313137000000000000000300000011000001bb00000027323030313a306232383a663233643a663030333a303030303a303030303a303030303a303030650000000000000000000000c800002710000000640001d4c00000138800007530000003e8000493e000007530000005dc000000000002a3000002a3000002a300000000000000001e0000000000000000000000000000001a00680074007400700073003a002f002f0074002e006d0065002f00093a8000004e2000015f900000753000002710000000020000001c00740061007000760033002e007300740065006c002e0063006f006d000000010000000000000400";

	it("a test account's config: version 1, environment 1, the built-in test DCs, the required fields", () => {
		expect(hex(encodeTestMtpConfig())).toBe(testConfig);
		expect(readEnvironment(encodeTestMtpConfig())).toBe("test");
	});

	it("sealed as Desktop stores it: local encryption inside a Qt byte array inside TDF$", () => {
		const sealed = encryptLocal(fixed, encodeTestMtpConfig(), makeKey(2));
		const file = encodeTdf(crypto, writeQBytes(new Writer(), sealed).bytes);
		expect(sha256(file)).toBe("154d1bc7f8f0d0383c11ff20dd5173947fd3d7ac3c63621a8e347f075e50d090");
	});

	it("a config Desktop would ignore (another version, unknown environment, cut short) names none", () => {
		const config = fromHex(testConfig);
		const other = config.slice();
		other[7] = 2; // format version 2
		expect(readEnvironment(other)).toBeNull();
		const unknown = config.slice();
		unknown[11] = 7;
		expect(readEnvironment(unknown)).toBeNull();
		expect(readEnvironment(config.subarray(0, 10))).toBeNull();
		// Desktop reads every required field: a config cut before the last one is not taken
		const short = config.slice(0, config.length - 4);
		new DataView(short.buffer).setUint32(0, short.length - 4);
		expect(readEnvironment(short)).toBeNull();
		// nor an address longer than 45 bytes (the first DC option's, at offset 36)
		const longIp = config.slice();
		new DataView(longIp.buffer).setUint32(36, 46);
		expect(readEnvironment(longIp)).toBeNull();
		// the optional tail, when present, is read whole: a default reaction and its custom id
		const tail = new Writer().raw(config.subarray(4)).u32be(4).u32be(0xd83ddc4d).u64be(0n).bytes;
		expect(readEnvironment(writeQBytes(new Writer(), tail).bytes)).toBe("test");
		expect(readEnvironment(writeQBytes(new Writer(), tail.subarray(0, -1)).bytes)).toBeNull();
		const production = config.slice();
		production[11] = 0;
		expect(readEnvironment(production)).toBe("production");
	});
});
