import type { PersistedSession } from "@x/session-core";
import { base64Decode, base64Encode, formatIpv4, formatIpv6 } from "@x/session-core/backend";
import { Reader, Writer } from "./bytes.js";
import { corrupt, invalid } from "./errors.js";
import {
	AUTH_KEY_LENGTH,
	allZero,
	type HomeDcOptions,
	oneDcSession,
	packIp,
	pickHomeDc,
} from "./home-dc.js";
import type { Decoded, TelethonLayout, TelethonStringExtra } from "./types.js";

/** Telethon's (and GramJS's) version character in front of the base64. */
export const ONE_PREFIX = "1";

/** Base64 characters after the prefix of a Telethon IPv4 string (263 bytes, padded). */
export const TELETHON_IPV4_BODY_LENGTH = 352;

/** Bytes of a Telethon IPv4 string (dc, 4-byte IP, port, key). */
export const TELETHON_IPV4_BYTES: number = 1 + 4 + 2 + AUTH_KEY_LENGTH;
/** Bytes of a Telethon IPv6 string (dc, 16-byte IP, port, key). */
export const TELETHON_IPV6_BYTES: number = 1 + 16 + 2 + AUTH_KEY_LENGTH;

/** Decodes the base64 after the `1` prefix (either alphabet, padding optional: Python and Node accept both). */
export function decodeOnePrefixed(text: string, what: string): Uint8Array {
	if (typeof text !== "string") throw invalid("session string must be a string");
	if (text[0] !== ONE_PREFIX)
		throw corrupt(`${what} does not start with the version character "1"`);
	return base64Decode(text.slice(1), { lenient: true, backend: "convert", what });
}

/** Reads the Telethon layout `>B{4|16}sH256s` from decoded bytes (exact length, no trailing bytes). */
export function readTelethonLayout(
	bytes: Uint8Array,
	layout: TelethonLayout,
	what: string,
): PersistedSession {
	const expected = layout === "ipv4" ? TELETHON_IPV4_BYTES : TELETHON_IPV6_BYTES;
	if (bytes.length !== expected) {
		throw corrupt(
			`${what}: the Telethon ${layout === "ipv4" ? "IPv4" : "IPv6"} layout is ${expected} bytes, got ${bytes.length}`,
		);
	}
	const r = new Reader(bytes, what);
	const dcId = r.u8("dc_id");
	const ipBytes = r.take(layout === "ipv4" ? 4 : 16, "ip");
	const port = r.u16be("port");
	const key = r.take(AUTH_KEY_LENGTH, "auth_key");
	r.end();
	const ip = layout === "ipv4" ? formatIpv4(ipBytes) : formatIpv6(ipBytes);
	// Telethon: an all-zero key means "no key".
	return oneDcSession(dcId, ip, port, allZero(key) ? null : key);
}

/** True when the bytes also fit GramJS's layout exactly (u16 BE length ≤ 100, text, port, 256-byte key). */
export function fitsGramjsLayout(bytes: Uint8Array): boolean {
	if (bytes.length < 3) return false;
	const len = ((bytes[1] as number) << 8) | (bytes[2] as number);
	return len > 0 && len <= 100 && bytes.length === 1 + 2 + len + 2 + AUTH_KEY_LENGTH;
}

/**
 * Decodes a Telethon v1 StringSession: `1` + URL-safe base64 (padded) of dc_id u8, IPv4 (4 bytes) or
 * IPv6 (16 bytes), port u16 BE, 256-byte key. IPv4 when the bytes are 263 long (352 characters
 * after the prefix, Telethon's rule), else IPv6. A string that has GramJS's layout instead (which Telethon would misread as a
 * garbage IPv6 address) is rejected.
 */
export function decodeTelethonString(text: string): Decoded<TelethonStringExtra> {
	const what = "Telethon session string";
	if (typeof text !== "string") throw invalid("session string must be a string");
	const bytes = decodeOnePrefixed(text.trim(), what);
	// Telethon picks IPv4 iff 352 characters follow the prefix; the byte length says the same for
	// padded strings and also reads an unpadded IPv4 string.
	const layout: TelethonLayout = bytes.length === TELETHON_IPV4_BYTES ? "ipv4" : "ipv6";
	if (layout === "ipv6" && fitsGramjsLayout(bytes)) {
		throw corrupt(
			`${what} has GramJS's layout (address as text); Telethon would misread its address: decode it as gramjs`,
		);
	}
	return { session: readTelethonLayout(bytes, layout, what), extra: { layout } };
}

/** Telethon's layout bytes for one DC. */
export function writeTelethonLayout(
	dcId: number,
	ip: Uint8Array,
	port: number,
	key: Uint8Array,
): Uint8Array {
	return new Writer().u8(dcId).raw(ip).u16be(port).raw(key).bytes;
}

/**
 * Encodes the home DC (see {@link HomeDcOptions}) as a Telethon v1 StringSession. Carries only the
 * DC id, IP, port and key: other DCs, update state, peers, min peers and the token are lost.
 * The address must be an IP literal (Telethon packs it), the DC id must fit a byte.
 */
export function encodeTelethonString(
	session: PersistedSession,
	options: HomeDcOptions = {},
): string {
	const dc = pickHomeDc(session, options, "a Telethon string");
	if (dc.entry.dcId < 0 || dc.entry.dcId > 255)
		throw invalid(`Telethon stores the DC id in one byte (got ${dc.entry.dcId})`);
	const ip = packIp(dc.ip);
	if (!ip) throw invalid("Telethon strings need an IPv4 or IPv6 address, not a hostname");
	const bytes = dc.authKey.read((key) => writeTelethonLayout(dc.entry.dcId, ip, dc.port, key));
	return ONE_PREFIX + base64Encode(bytes, { alphabet: "url", pad: true });
}
