import {
	type DcEntry,
	DcFlags,
	emptySession,
	type PersistedSession,
	parseDcAddress,
	SecretBytes,
} from "@x/session-core";
import { base64Decode, base64Encode, parseIpv4, parseIpv6 } from "@x/session-core/backend";
import { Reader, Writer } from "./bytes.js";
import { corrupt, invalid, unsupported } from "./errors.js";
import { AUTH_KEY_LENGTH, type HomeDcOptions, pickHomeDc } from "./home-dc.js";
import type { Decoded, MtcuteExtra, MtcuteSelf } from "./types.js";

/** The only mtcute string version written today (and the only one mtcute reads). */
export const MTCUTE_STRING_VERSION = 3;

const FLAG_SELF = 1;
const FLAG_TEST_MODE_OLD = 2;
const FLAG_MEDIA = 4;
const TL_BOOL_TRUE = 0x997275b5;
const TL_BOOL_FALSE = 0xbc799737;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface BasicDc {
	id: number;
	ip: string;
	port: number;
	ipv6: boolean;
	mediaOnly: boolean;
	testMode: boolean;
}

function readBasicDc(blob: Uint8Array, what: string): BasicDc {
	const r = new Reader(blob, what);
	const version = r.u8("version");
	if (version !== 1 && version !== 2)
		throw unsupported(version, `${what} has unsupported version ${version}`);
	const id = r.u8("dc id");
	const flags = r.u8("flags");
	if (flags & ~(version === 2 ? 7 : 3)) throw corrupt(`${what} has unknown flag bits`);
	const ip = r.utf8(r.tlBytes("ip"), "ip");
	const port = r.i32le("port");
	r.end();
	const ipv6 = (flags & 1) !== 0;
	if (ipv6 ? !parseIpv6(ip) : !parseIpv4(ip))
		throw corrupt(`${what}: the address is not an IPv${ipv6 ? 6 : 4} literal`);
	if (port < 1 || port > 65535) throw corrupt(`${what} has port ${port}`);
	return {
		id,
		ip,
		port,
		ipv6,
		mediaOnly: (flags & 2) !== 0,
		testMode: version === 2 && (flags & 4) !== 0,
	};
}

function writeBasicDc(dc: BasicDc): Uint8Array {
	const flags = (dc.ipv6 ? 1 : 0) | (dc.mediaOnly ? 2 : 0) | (dc.testMode ? 4 : 0);
	return new Writer()
		.u8(2)
		.u8(dc.id)
		.u8(flags)
		.tlBytes(new TextEncoder().encode(dc.ip))
		.i32le(dc.port).bytes;
}

function toEntry(dc: BasicDc, key: SecretBytes | null, media: boolean): DcEntry {
	return {
		dcId: dc.id,
		addr: dc.ipv6 ? `[${dc.ip}]:${dc.port}` : `${dc.ip}:${dc.port}`,
		authKey: key,
		firstSalt: 0n,
		timeOffset: 0,
		flags: (dc.ipv6 ? DcFlags.IPV6 : 0) | (dc.mediaOnly || media ? DcFlags.MEDIA_ONLY : 0),
	};
}

/**
 * Decodes an mtcute v3 string session (base64url without padding; little-endian TL): flags, main DC,
 * media DC (flag 4), self user id + is_bot (flag 1), auth key. The main DC becomes the home DC with
 * the key; the media DC becomes a MEDIA_ONLY entry that shares the key when it is the same DC (mtcute
 * keys by DC id). Test mode, self and the media option's media-only bit are returned in `extra`.
 */
export function decodeMtcuteString(text: string): Decoded<MtcuteExtra> {
	const what = "mtcute session string";
	if (typeof text !== "string") throw invalid("session string must be a string");
	const bytes = base64Decode(text.trim(), { lenient: true, backend: "convert", what });
	const r = new Reader(bytes, what);
	const version = r.u8("version");
	if (version !== MTCUTE_STRING_VERSION)
		throw unsupported(version, `${what} has version ${version}, expected ${MTCUTE_STRING_VERSION}`);
	const flags = r.i32le("flags");
	if (flags & ~(FLAG_SELF | FLAG_TEST_MODE_OLD | FLAG_MEDIA))
		throw corrupt(`${what} has unknown flag bits`);
	const main = readBasicDc(r.tlBytes("main DC"), `${what} main DC`);
	const media = flags & FLAG_MEDIA ? readBasicDc(r.tlBytes("media DC"), `${what} media DC`) : null;
	const testModeOld = (flags & FLAG_TEST_MODE_OLD) !== 0;
	if (!testModeOld && media && media.testMode !== main.testMode)
		throw corrupt(`${what}: main and media DC disagree on test mode`);
	let self: MtcuteSelf | null = null;
	if (flags & FLAG_SELF) {
		const userId = r.i64le("self user id");
		if (userId > MAX_SAFE || userId < -MAX_SAFE)
			throw corrupt(`${what}: self user id is outside int53`);
		const b = r.u32le("self is_bot");
		if (b !== TL_BOOL_TRUE && b !== TL_BOOL_FALSE)
			throw corrupt(`${what}: self is_bot is not a TL Bool`);
		self = { userId, isBot: b === TL_BOOL_TRUE };
	}
	const key = r.tlBytes("auth key");
	r.end();
	if (key.length !== AUTH_KEY_LENGTH)
		throw corrupt(`${what}: the auth key is ${key.length} bytes, expected ${AUTH_KEY_LENGTH}`);
	const secret = new SecretBytes(key);
	const session = emptySession();
	session.homeDcId = main.id;
	session.dcs.push(toEntry(main, secret, false));
	if (media) session.dcs.push(toEntry(media, media.id === main.id ? secret : null, true));
	return {
		session,
		extra: {
			testMode: testModeOld || main.testMode,
			self,
			mediaOnlyFlag: media ? media.mediaOnly : null,
		},
	};
}

/** What an mtcute string carries that our model does not hold. */
export interface MtcuteEncodeOptions extends HomeDcOptions {
	/** The logged-in user; without it mtcute fetches it on first start. */
	self?: MtcuteSelf | null;
	/** Default false. */
	testMode?: boolean;
	/**
	 * The media-only bit written on the media DC option (default, or `null`: true). mtcute's own
	 * strings can carry a media DC without it; {@link MtcuteExtra.mediaOnlyFlag} says which, so a
	 * decoded `extra` can be passed back as the options.
	 */
	mediaOnlyFlag?: boolean | null;
}

/**
 * Encodes the home DC as an mtcute v3 string: its main entry (with the key) and, when the session
 * has one, a MEDIA_ONLY entry of the same DC (same IP family preferred) as the media DC. Other DCs,
 * salts, update state and peers are lost.
 */
export function encodeMtcuteString(
	session: PersistedSession,
	options: MtcuteEncodeOptions = {},
): string {
	const home = pickHomeDc(session, options, "an mtcute string");
	const dcId = home.entry.dcId;
	if (dcId < 0 || dcId > 255) throw invalid(`mtcute stores the DC id in one byte (got ${dcId})`);
	const testMode = options.testMode === true;
	const basic = (entry: DcEntry, ip: string, port: number, mediaOnly: boolean): BasicDc => {
		const ipv6 = (entry.flags & DcFlags.IPV6) !== 0;
		if (ipv6 ? !parseIpv6(ip) : !parseIpv4(ip))
			throw invalid(`mtcute needs an IPv${ipv6 ? 6 : 4} literal for DC ${entry.dcId}`);
		return { id: entry.dcId, ip, port, ipv6, mediaOnly, testMode };
	};
	const main = basic(home.entry, home.ip, home.port, false);
	const medias = session.dcs.filter(
		(d) => d.dcId === dcId && (d.flags & DcFlags.MEDIA_ONLY) !== 0 && (d.flags & DcFlags.CDN) === 0,
	);
	const mediaEntry =
		medias.find((d) => (d.flags & DcFlags.IPV6) === (home.entry.flags & DcFlags.IPV6)) ?? medias[0];
	let media: BasicDc | null = null;
	if (mediaEntry) {
		const addr = parseDcAddress(mediaEntry.addr);
		if (!addr) throw invalid(`DC ${dcId} media address does not parse as ip:port`);
		media = basic(mediaEntry, addr.ip, addr.port, options.mediaOnlyFlag !== false);
	}
	const self = options.self ?? null;
	if (
		self &&
		(typeof self.userId !== "bigint" || self.userId > MAX_SAFE || self.userId < -MAX_SAFE)
	) {
		throw invalid("mtcute stores the self user id as an int53");
	}
	const w = new Writer().u8(MTCUTE_STRING_VERSION);
	w.i32le((self ? FLAG_SELF : 0) | (media ? FLAG_MEDIA : 0));
	w.tlBytes(writeBasicDc(main));
	if (media) w.tlBytes(writeBasicDc(media));
	if (self) w.i64le(self.userId).u32le(self.isBot ? TL_BOOL_TRUE : TL_BOOL_FALSE);
	home.authKey.read((key) => w.tlBytes(key));
	return base64Encode(w.bytes, { alphabet: "url", pad: false });
}
