// key_datas: the salt, the local key encrypted under the passcode key, and the account list
// encrypted under the local key. Every other file of the folder is encrypted with the local key.
import { SecretBytes } from "@x/session-core";
import { Reader, Writer } from "../bytes.js";
import { corrupt, encryptionError } from "../errors.js";
import type { TdataCrypto } from "./crypto.js";
import { derivePasscodeKey, LOCAL_KEY_LENGTH, SALT_LENGTH } from "./key-derivation.js";
import { decryptLocal, encryptLocal } from "./local-encryption.js";
import { readQBytes, writeQBytes } from "./qt-bytes.js";

/** Desktop keeps at most a handful of accounts; anything far beyond is damage, not data. */
export const MAX_ACCOUNTS = 100;

/** What key_datas holds once decrypted. */
export interface TdataKeyData {
	/** The 256-byte key every other file is encrypted with. */
	localKey: SecretBytes;
	/** Account indices (0-based) in Desktop's order. */
	accounts: number[];
	/** The index of the account Desktop opens first. */
	active: number;
}

const WHAT = "key_datas";

/** Decrypts a key_datas payload (the container already removed). */
export async function decodeKeyData(
	crypto: TdataCrypto,
	payload: Uint8Array,
	passcode: string,
): Promise<TdataKeyData> {
	const r = new Reader(payload, WHAT);
	const salt = readQBytes(r, "salt");
	const keyEncrypted = readQBytes(r, "encrypted local key");
	const infoEncrypted = readQBytes(r, "encrypted account list");
	// newer Desktop versions may append fields after these three; they are not needed here
	if (salt.length !== SALT_LENGTH)
		throw corrupt(`${WHAT}: the salt is ${salt.length} bytes, expected ${SALT_LENGTH}`);
	const passcodeKey = await derivePasscodeKey(crypto, passcode, salt);
	const hint =
		passcode === ""
			? "the folder is protected by a local passcode; supply it"
			: "the passcode is wrong";
	let localKey: Uint8Array;
	try {
		localKey = decryptLocal(crypto, keyEncrypted, passcodeKey, `${WHAT} local key`, hint);
	} catch (error) {
		if (passcode === "" && isWrongKey(error))
			throw encryptionError("missing-key", `${WHAT} does not decrypt: ${hint}`);
		throw error;
	}
	if (localKey.length !== LOCAL_KEY_LENGTH)
		throw corrupt(
			`${WHAT}: the local key is ${localKey.length} bytes, expected ${LOCAL_KEY_LENGTH}`,
		);
	const info = decryptLocal(
		crypto,
		infoEncrypted,
		localKey,
		`${WHAT} account list`,
		"it was not written with this folder's local key",
	);
	const ir = new Reader(info, `${WHAT} account list`);
	const count = ir.u32be("account count");
	if (count > MAX_ACCOUNTS) throw corrupt(`${WHAT}: the account count is ${count}`);
	const accounts: number[] = [];
	for (let i = 0; i < count; i++) {
		const index = ir.u32be("account index");
		if (index >= MAX_ACCOUNTS) throw corrupt(`${WHAT}: account index ${index} is out of range`);
		accounts.push(index);
	}
	const active = ir.u32be("active account");
	return { localKey: new SecretBytes(localKey), accounts, active };
}

function isWrongKey(error: unknown): boolean {
	return (error as { reason?: unknown } | null)?.reason === "wrong-key";
}

/** Builds a key_datas payload with a fresh random salt. */
export async function encodeKeyData(
	crypto: TdataCrypto,
	keyData: TdataKeyData,
	passcode: string,
): Promise<Uint8Array> {
	const info = new Writer().u32be(keyData.accounts.length);
	for (const index of keyData.accounts) info.u32be(index);
	info.u32be(keyData.active);
	const salt = crypto.randomBytes(SALT_LENGTH);
	const passcodeKey = await derivePasscodeKey(crypto, passcode, salt);
	const w = new Writer();
	writeQBytes(w, salt);
	const localKey = keyData.localKey.expose();
	writeQBytes(w, encryptLocal(crypto, localKey, passcodeKey));
	writeQBytes(w, encryptLocal(crypto, info.bytes, localKey));
	return w.bytes;
}
