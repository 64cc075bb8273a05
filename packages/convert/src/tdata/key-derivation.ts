// How Desktop turns a passcode into the key that unlocks its local key, and how it names the
// files of each account.
import { invalid } from "../errors.js";
import { concatBytes, type TdataCrypto } from "./crypto.js";

/** PBKDF2 rounds without a passcode (Desktop still derives a key, from the empty string). */
export const PASSCODE_ITERATIONS_NONE = 1;
/** PBKDF2 rounds with a passcode. */
export const PASSCODE_ITERATIONS = 100_000;
/** Length of the local key and of the key derived from the passcode. */
export const LOCAL_KEY_LENGTH = 256;
/** Length of the salt in key_datas. */
export const SALT_LENGTH = 32;
/** Desktop's default data name (its `-key` option changes it). */
export const DEFAULT_DATA_NAME = "data";

/**
 * The key that encrypts the local key: PBKDF2-HMAC-SHA512 over SHA-512(salt + passcode + salt),
 * salted with `salt`, 256 bytes; 1 round for the empty passcode, 100 000 otherwise.
 */
export function derivePasscodeKey(
	crypto: TdataCrypto,
	passcode: string,
	salt: Uint8Array,
): Promise<Uint8Array> {
	const utf8 = new TextEncoder().encode(passcode);
	const hashed = crypto.sha512(concatBytes(salt, utf8, salt));
	const iterations = passcode === "" ? PASSCODE_ITERATIONS_NONE : PASSCODE_ITERATIONS;
	return crypto.pbkdf2Sha512(hashed, salt, iterations, LOCAL_KEY_LENGTH);
}

/** The data name of account `index` (0-based): `data`, `data#2`, `data#3`, … */
export function accountDataName(index: number, dataName = DEFAULT_DATA_NAME): string {
	return index === 0 ? dataName : `${dataName}#${index + 1}`;
}

const HEX = "0123456789ABCDEF";

/**
 * Desktop's file name for a name: the first 8 bytes of its MD5 in upper-case hex, each byte's
 * nibbles swapped (MD5("data") starts 8d777f38… → `D877F783D5D3EF8C`).
 */
export function tdataFileName(crypto: TdataCrypto, name: string): string {
	const digest = crypto.md5(new TextEncoder().encode(name));
	let out = "";
	for (let i = 0; i < 8; i++) {
		const b = digest[i] as number;
		out += (HEX[b & 15] as string) + (HEX[b >> 4] as string);
	}
	return out;
}

/** The base name of the file holding the local key (`key_data`; on disk `key_datas`). */
export function keyFileName(dataName = DEFAULT_DATA_NAME): string {
	// it becomes part of a path: no separators, no dots
	if (!/^[A-Za-z0-9_-]{1,64}$/.test(dataName))
		throw invalid("a tdata data name is 1-64 letters, digits, '_' or '-'");
	return `key_${dataName}`;
}
