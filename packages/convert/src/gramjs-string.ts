import type { PersistedSession } from "@x/session-core";
import { base64Encode } from "@x/session-core/backend";
import { Reader, Writer } from "./bytes.js";
import { corrupt, invalid } from "./errors.js";
import {
	AUTH_KEY_LENGTH,
	type HomeDcOptions,
	isHostname,
	oneDcSession,
	packIp,
	pickHomeDc,
} from "./home-dc.js";
import {
	decodeOnePrefixed,
	fitsGramjsLayout,
	ONE_PREFIX,
	readTelethonLayout,
	TELETHON_IPV4_BODY_LENGTH,
	TELETHON_IPV4_BYTES,
	TELETHON_IPV6_BYTES,
} from "./telethon-string.js";
import type { Decoded, GramjsStringExtra } from "./types.js";

/** GramJS reads a length above this as the first bytes of a Telethon IPv6 address. */
export const GRAMJS_MAX_ADDRESS_LENGTH = 100;

/** GramJS writes the port with `writeInt16BE`: ports above this throw there. */
export const GRAMJS_MAX_PORT = 32767;

function readGramjsLayout(bytes: Uint8Array, what: string): PersistedSession {
	const r = new Reader(bytes, what);
	const dcId = r.u8("dc_id");
	const len = r.u16be("address length");
	if (len === 0) throw corrupt(`${what} has an empty address`);
	const addrBytes = r.take(len, "address");
	const port = r.i16be("port");
	if (port <= 0) throw corrupt(`${what} has port ${port}`);
	if (r.remaining !== AUTH_KEY_LENGTH)
		throw corrupt(`${what}: the auth key is ${r.remaining} bytes, expected ${AUTH_KEY_LENGTH}`);
	const key = r.take(AUTH_KEY_LENGTH, "auth_key");
	const address = r.utf8(addrBytes, "address");
	if (!packIp(address) && !isHostname(address))
		throw corrupt(`${what}: the address is neither an IP nor a hostname`);
	return oneDcSession(dcId, address, port, key);
}

/**
 * The layout of a `1…` string, as GramJS's StringSession constructor picks it: 352 characters after
 * the prefix → Telethon IPv4; a length field ≤ 100 that fits the bytes exactly → GramJS's own
 * (address as text); otherwise Telethon's IPv6 (275 bytes) or, unpadded, IPv4 (263 bytes). GramJS
 * reads any length field above 100 as Telethon IPv6; the exact-fit check only adds the cases where
 * GramJS would misread or fail.
 */
export function gramjsLayoutOf(body: string, bytes: Uint8Array): GramjsStringExtra["layout"] {
	if (body.length === TELETHON_IPV4_BODY_LENGTH) return "telethon-ipv4";
	if (fitsGramjsLayout(bytes)) return "gramjs";
	// GramJS itself would misread these (or fail); their byte length says which Telethon layout they are.
	if (bytes.length === TELETHON_IPV6_BYTES) return "telethon-ipv6";
	if (bytes.length === TELETHON_IPV4_BYTES) return "telethon-ipv4";
	return "gramjs";
}

/**
 * Decodes a GramJS/teleproto StringSession: `1` + standard base64 (padded) of dc_id u8, address
 * length u16 BE, the address as text (IPv4, IPv6 or a hostname), port i16 BE, 256-byte key. Like
 * GramJS it also reads Telethon's layouts ({@link gramjsLayoutOf}); `extra.layout` says which.
 */
export function decodeGramjsString(text: string): Decoded<GramjsStringExtra> {
	const what = "GramJS session string";
	if (typeof text !== "string") throw invalid("session string must be a string");
	const trimmed = text.trim();
	const bytes = decodeOnePrefixed(trimmed, what);
	const layout = gramjsLayoutOf(trimmed.slice(1), bytes);
	if (layout === "gramjs") return { session: readGramjsLayout(bytes, what), extra: { layout } };
	return {
		session: readTelethonLayout(bytes, layout === "telethon-ipv4" ? "ipv4" : "ipv6", what),
		extra: { layout },
	};
}

/**
 * Encodes the home DC as a GramJS StringSession (GramJS's own layout, address as text). Carries the
 * DC id, address, port and key only. Ports above 32767 and addresses over 100 bytes are refused:
 * GramJS cannot write or read them back.
 */
export function encodeGramjsString(session: PersistedSession, options: HomeDcOptions = {}): string {
	const dc = pickHomeDc(session, options, "a GramJS string");
	if (dc.entry.dcId < 0 || dc.entry.dcId > 255)
		throw invalid(`GramJS stores the DC id in one byte (got ${dc.entry.dcId})`);
	if (dc.port < 1 || dc.port > GRAMJS_MAX_PORT)
		throw invalid(`GramJS stores the port as a signed 16-bit number (got ${dc.port})`);
	const address = new TextEncoder().encode(dc.ip);
	if (address.length > GRAMJS_MAX_ADDRESS_LENGTH)
		throw invalid(`GramJS reads addresses up to ${GRAMJS_MAX_ADDRESS_LENGTH} bytes`);
	const bytes = dc.authKey.read(
		(key) =>
			new Writer().u8(dc.entry.dcId).u16be(address.length).raw(address).u16be(dc.port).raw(key)
				.bytes,
	);
	return ONE_PREFIX + base64Encode(bytes, { alphabet: "standard", pad: true });
}
