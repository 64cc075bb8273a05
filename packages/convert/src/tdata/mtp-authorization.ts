// An account's MTP authorization, the file named after the account's data name: encrypted with
// the local key, it holds one setting block, 0x4B, whose bytes are the user id, the main DC and
// the DC ids with their 256-byte auth keys (then the keys waiting to be destroyed, same layout).
import { SecretBytes } from "@x/session-core";
import { Reader, Writer } from "../bytes.js";
import { corrupt, invalid } from "../errors.js";
import { readQBytes, writeQBytes } from "./qt-bytes.js";

/** The setting id of the MTP authorization block in Desktop's settings stream. */
export const MTP_AUTHORIZATION_BLOCK = 0x4b;
const AUTH_KEY_LENGTH = 256;
const MAX_U64 = (1n << 64n) - 1n;

/** One DC's permanent auth key as Desktop stores it. */
export interface TdataAuthKey {
	dcId: number;
	key: SecretBytes;
}

/** The decoded block. */
export interface TdataMtpAuthorization {
	/** Desktop's user id (0: not known yet). */
	userId: bigint;
	mainDcId: number;
	authKeys: TdataAuthKey[];
	/** Keys Desktop still has to log out; read for completeness, never written. */
	keysToDestroy: TdataAuthKey[];
}

const WHAT = "MTP authorization";

function readKeys(r: Reader, field: string): TdataAuthKey[] {
	const count = r.u32be(`${field} count`);
	// each key takes 260 bytes: a count beyond what is left is damage (checked before any loop)
	if (count * (4 + AUTH_KEY_LENGTH) > r.remaining)
		throw corrupt(`${WHAT}: ${count} ${field} do not fit the ${r.remaining} bytes left`);
	const keys: TdataAuthKey[] = [];
	for (let i = 0; i < count; i++) {
		const dcId = r.u32be(`${field} DC id`);
		if (dcId < 1 || dcId > 0x7fffffff) throw corrupt(`${WHAT}: a key has DC id ${dcId}`);
		keys.push({ dcId, key: new SecretBytes(r.take(AUTH_KEY_LENGTH, field)) });
	}
	return keys;
}

/** Decodes the decrypted contents of an account's MTP file. */
export function decodeMtpAuthorization(data: Uint8Array): TdataMtpAuthorization {
	const outer = new Reader(data, WHAT);
	const block = outer.u32be("block id");
	if (block !== MTP_AUTHORIZATION_BLOCK)
		throw corrupt(`${WHAT}: the file starts with block 0x${block.toString(16)}, expected 0x4b`);
	const r = new Reader(readQBytes(outer, "block"), WHAT);
	const legacyUser = r.u32be("legacy user id");
	const legacyDc = r.u32be("legacy main DC");
	let userId: bigint;
	let mainDcId: number;
	if (legacyUser === 0xffffffff && legacyDc === 0xffffffff) {
		userId = r.u64be("user id");
		mainDcId = r.u32be("main DC");
	} else {
		// files from before 64-bit user ids: both were int32
		userId = BigInt(legacyUser);
		mainDcId = legacyDc;
	}
	if (mainDcId < 1 || mainDcId > 0x7fffffff) throw corrupt(`${WHAT}: the main DC is ${mainDcId}`);
	const authKeys = readKeys(r, "auth keys");
	const keysToDestroy = readKeys(r, "keys to destroy");
	return { userId, mainDcId, authKeys, keysToDestroy };
}

/** Encodes the block in the current (64-bit user id) form; keys to destroy are written empty. */
export function encodeMtpAuthorization(auth: TdataMtpAuthorization): Uint8Array {
	if (auth.userId < 0n || auth.userId > MAX_U64)
		throw invalid("a Telegram Desktop user id must fit an unsigned 64-bit integer");
	const inner = new Writer().u32be(0xffffffff).u32be(0xffffffff).u64be(auth.userId);
	inner.u32be(auth.mainDcId).u32be(auth.authKeys.length);
	for (const { dcId, key } of auth.authKeys) {
		if (key.length !== AUTH_KEY_LENGTH) throw invalid(`DC ${dcId} auth key is not 256 bytes`);
		inner.u32be(dcId).raw(key.expose());
	}
	inner.u32be(0);
	return writeQBytes(new Writer().u32be(MTP_AUTHORIZATION_BLOCK), inner.bytes).bytes;
}
