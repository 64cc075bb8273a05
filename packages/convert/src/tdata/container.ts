// The container every tdata file uses: "TDF$", a version (int32 LE: Desktop writes its own
// version number, e.g. 5008003 for 5.8.3), the payload, and MD5 over payload + payload length
// (int32 LE) + version + magic. It detects damage (a truncated or partly copied file), it is not
// a signature.
import { corrupt } from "../errors.js";
import { bytesEqual, concatBytes, type TdataCrypto } from "./crypto.js";

export const TDF_MAGIC = new Uint8Array([0x54, 0x44, 0x46, 0x24]); // "TDF$"
/** The version written in the files this package creates (Telegram Desktop 5.8.3's). */
export const TDF_VERSION = 5008003;
const HEADER = 8;
const DIGEST = 16;

/** A decoded container: Desktop's version number and the payload. */
export interface TdfFile {
	version: number;
	payload: Uint8Array;
}

function int32le(value: number): Uint8Array {
	const out = new Uint8Array(4);
	new DataView(out.buffer).setInt32(0, value, true);
	return out;
}

function digest(crypto: TdataCrypto, payload: Uint8Array, version: Uint8Array): Uint8Array {
	return crypto.md5(concatBytes(payload, int32le(payload.length), version, TDF_MAGIC));
}

/** True when `bytes` starts with the container's magic. */
export function hasTdfMagic(bytes: Uint8Array): boolean {
	return bytes.length >= 4 && bytesEqual(bytes.subarray(0, 4), TDF_MAGIC);
}

/** Reads a container; `what` names the file in errors. Any version is accepted and returned. */
export function decodeTdf(crypto: TdataCrypto, bytes: Uint8Array, what: string): TdfFile {
	if (!hasTdfMagic(bytes)) throw corrupt(`${what} is not a Telegram Desktop file (no TDF$ magic)`);
	if (bytes.length < HEADER + DIGEST)
		throw corrupt(`${what} is truncated: ${bytes.length} bytes, a TDF$ file has at least 24`);
	const versionBytes = bytes.subarray(4, HEADER);
	const payload = bytes.subarray(HEADER, bytes.length - DIGEST);
	if (!bytesEqual(digest(crypto, payload, versionBytes), bytes.subarray(bytes.length - DIGEST)))
		throw corrupt(
			`${what} fails its MD5 check: the file is truncated or damaged (copy it again from the original tdata folder)`,
		);
	const version = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getInt32(0, true);
	return { version, payload: payload.slice() };
}

/** Writes a container around `payload`. */
export function encodeTdf(
	crypto: TdataCrypto,
	payload: Uint8Array,
	version = TDF_VERSION,
): Uint8Array {
	const versionBytes = int32le(version);
	return concatBytes(TDF_MAGIC, versionBytes, payload, digest(crypto, payload, versionBytes));
}
