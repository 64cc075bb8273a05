import { CorruptSessionError, SessionBackendError, UnsupportedVersionError } from "../errors.js";
import { SecretBytes } from "../secret.js";
import type { CachedMinPeer, CachedPeer, ChannelPts, DcEntry, PersistedSession } from "../types.js";
import { ByteReader, utf8Decode, utf8Length } from "./bytes.js";
import {
	AUTH_KEY_LENGTH,
	CHANNEL_KIND_OF_BYTE,
	CODEC,
	NO_CHANNEL_KIND,
	PEER_KIND_OF_BYTE,
	peerEntrySize,
} from "./format.js";
import { decodeTrailer, scanTrailer } from "./trailer.js";

const BACKEND = CODEC;

/** Options of the binary decoders (`decodeSession`, `decodeSessionDetailed`) and of the string decoders built on them. */
export interface DecodeOptions {
	/**
	 * Reject what the reference accepts silently (FORMAT.md §2.7, §8.9): trailing bytes, invalid UTF-8 in an
	 * address, a peer type byte above 2, a channel kind byte 3–254, an is_community byte above 1
	 * or set on a peer whose type byte is not 0, and a has_key or has_token byte other than 0/1.
	 * Default `false`: decode exactly as ferogram does.
	 */
	strict?: boolean;
}

/** What {@link decodeSessionDetailed} found besides the session. */
export interface DecodedSession {
	session: PersistedSession;
	/** 1–8. */
	version: number;
	/** Bytes read, the extension trailer included; anything after is ignored trailing data. */
	consumed: number;
	/** An extension trailer was read. */
	trailer?: boolean;
}

/** Decodes any version (v1–v8) of the binary format. Throws only {@link SessionBackendError}s. */
export function decodeSession(bytes: Uint8Array, options: DecodeOptions = {}): PersistedSession {
	return decodeSessionDetailed(bytes, options).session;
}

/**
 * Like {@link decodeSession}, and also returns the version and how many bytes the session took.
 *
 * Version detection follows the reference (first byte 2–8 = that version, anything else = v1),
 * with two fixes:
 * - FORMAT.md §8.1: a file whose first byte is 2–8 that fails to decode as that version is tried as a
 *   legacy v1 file with home DC 2–8 (bytes 1–3 zero, at least one DC entry, every byte
 *   consumed) and accepted as v1 when it is one; otherwise the version's error is thrown;
 * - a first byte of 9 or more is v1 only when v1 consumes the input exactly; otherwise it is a
 *   future version and an {@link UnsupportedVersionError}, not a misread v1 file.
 */
export function decodeSessionDetailed(
	bytes: Uint8Array,
	options: DecodeOptions = {},
): DecodedSession {
	if (!(bytes instanceof Uint8Array)) {
		throw new SessionBackendError("INVALID_ARGUMENT", "session data must be a Uint8Array", {
			backend: BACKEND,
		});
	}
	if (bytes.length === 0) throw new CorruptSessionError("empty session data", { backend: BACKEND });
	const strict = options.strict === true;
	if (startsWithSqliteMagic(bytes))
		throw new CorruptSessionError(
			"this is an SQLite database, not a session in the binary format (a Telethon or Pyrogram .session file, or an SQLite session store)",
			{ backend: BACKEND },
		);
	const first = bytes[0] as number;
	if (first <= 1) return finish(decodeV1(bytes, strict), bytes, strict);
	if (first <= 8) {
		try {
			return finish(decodeVersioned(bytes, first, strict), bytes, strict);
		} catch (error) {
			const legacy = tryLegacyV1(bytes, strict);
			if (legacy) return legacy;
			throw error;
		}
	}
	const legacy = tryExactV1(bytes, strict);
	if (legacy) return legacy;
	throw new UnsupportedVersionError(
		first,
		`unsupported session format version ${first} (this library reads 1 to 8): written by a newer version, or not a session at all`,
		{
			backend: BACKEND,
		},
	);
}

/** The 16 bytes every SQLite 3 database starts with ("SQLite format 3" and a NUL). */
const SQLITE_MAGIC = [83, 81, 76, 105, 116, 101, 32, 102, 111, 114, 109, 97, 116, 32, 51, 0];

/** True for an SQLite database, which no session version (1–8, or a v1 file) begins with. */
function startsWithSqliteMagic(bytes: Uint8Array): boolean {
	return bytes.length >= SQLITE_MAGIC.length && SQLITE_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads our extension trailer when one follows the body. Other trailing bytes are ignored as the
 * reference ignores them, except in strict mode.
 */
function finish(decoded: DecodedSession, bytes: Uint8Array, strict: boolean): DecodedSession {
	const after = scanTrailer(bytes, decoded.consumed);
	if (after === "trailer") {
		decodeTrailer(bytes, decoded.consumed, decoded.session);
		return { ...decoded, consumed: bytes.length, trailer: true };
	}
	if (strict && after === "foreign") {
		throw corrupt(`${bytes.length - decoded.consumed} trailing bytes after the session (strict)`);
	}
	return decoded;
}

/** FORMAT.md §8.1: a v1 file whose home DC is 2–8 (bytes 1–3 zero) with at least one DC, consumed exactly. */
function tryLegacyV1(bytes: Uint8Array, strict: boolean): DecodedSession | undefined {
	if (bytes.length < 5 || bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0 || bytes[4] === 0)
		return undefined;
	return tryExactV1(bytes, strict);
}

function tryExactV1(bytes: Uint8Array, strict: boolean): DecodedSession | undefined {
	try {
		const v1 = decodeV1(bytes, strict);
		return v1.consumed === bytes.length ? v1 : undefined;
	} catch {
		return undefined;
	}
}

function decodeV1(bytes: Uint8Array, strict: boolean): DecodedSession {
	const r = new ByteReader(bytes, { littleEndian: true, backend: BACKEND });
	const homeDcId = r.i32("home_dc_id");
	const dcs = readDcs(r, 1, strict);
	return {
		session: {
			homeDcId,
			dcs,
			updatesState: { pts: 0, qts: 0, date: 0, seq: 0, channels: [] },
			peers: [],
			minPeers: [],
			futureAuthToken: null,
		},
		version: 1,
		consumed: r.offset,
	};
}

function decodeVersioned(bytes: Uint8Array, version: number, strict: boolean): DecodedSession {
	const r = new ByteReader(bytes, { littleEndian: true, backend: BACKEND, offset: 1 });
	const homeDcId = r.i32("home_dc_id");
	const dcs = readDcs(r, version, strict);
	const pts = r.i32("pts");
	const qts = r.i32("qts");
	const date = r.i32("date");
	const seq = r.i32("seq");
	const channelCount = r.u16("channel count");
	r.need(channelCount * 12, "channel pts entries");
	const channels: ChannelPts[] = new Array(channelCount);
	for (let i = 0; i < channelCount; i++) {
		const channelId = r.view.getBigInt64(r.offset, true);
		channels[i] = { channelId, pts: r.view.getInt32(r.offset + 8, true) };
		r.offset += 12;
	}
	const peers = readPeers(r, version, strict);
	let minPeers: CachedMinPeer[] = [];
	if (version >= 4) {
		const count = r.u16("min peer count");
		r.need(count * 20, "min peer entries");
		minPeers = new Array(count);
		const v = r.view;
		for (let i = 0; i < count; i++) {
			const o = r.offset;
			minPeers[i] = {
				userId: v.getBigInt64(o, true),
				peerId: v.getBigInt64(o + 8, true),
				msgId: v.getInt32(o + 16, true),
			};
			r.offset += 20;
		}
	}
	let futureAuthToken: SecretBytes | null = null;
	if (version >= 7) {
		const has = r.u8("has_token");
		if (strict && has > 1) throw corrupt(`has_token byte is ${has}, expected 0 or 1`);
		if (has === 1) {
			const len = r.u16("token length");
			futureAuthToken = new SecretBytes(r.take(len, "token"));
		}
	}
	return {
		session: {
			homeDcId,
			dcs,
			updatesState: { pts, qts, date, seq, channels },
			peers,
			minPeers,
			futureAuthToken,
		},
		version,
		consumed: r.offset,
	};
}

function readDcs(r: ByteReader, version: number, strict: boolean): DcEntry[] {
	const count = r.u8("DC count");
	const dcs: DcEntry[] = [];
	for (let i = 0; i < count; i++) {
		const dcId = r.i32("dc_id");
		const hasKey = r.u8("has_key");
		if (strict && hasKey > 1)
			throw corrupt(`has_key byte of DC ${dcId} is ${hasKey}, expected 0 or 1`);
		const authKey = hasKey === 1 ? new SecretBytes(r.take(AUTH_KEY_LENGTH, "auth_key")) : null;
		const firstSalt = r.i64("first_salt");
		const timeOffset = r.i32("time_offset");
		const addrLen = r.u8("addr_len");
		const addr = utf8Decode(r.take(addrLen, "addr"), strict, BACKEND, `address of DC ${dcId}`);
		// decoded lossily, as ferogram does, each invalid byte becomes U+FFFD (3 bytes): past 255
		// bytes the address fits no u8 length and the session could never be written again
		// (ferogram itself would write a wrapped length). Up to 85 bytes it always fits.
		if (addrLen > 85 && utf8Length(addr) > 0xff)
			throw corrupt(
				`address of DC ${dcId} is not valid UTF-8 and is ${utf8Length(addr)} bytes once repaired (at most 255 can be written back)`,
			);
		const flags = version >= 3 ? r.u8("flags") : 0;
		dcs.push({ dcId, addr, authKey, firstSalt, timeOffset, flags });
	}
	return dcs;
}

function readPeers(r: ByteReader, version: number, strict: boolean): CachedPeer[] {
	const count = r.u16("peer count");
	const entrySize = peerEntrySize(version);
	r.need(count * entrySize, "peer entries");
	const peers: CachedPeer[] = new Array(count);
	const { bytes, view } = r;
	let o = r.offset;
	if (version >= 8 && !strict) {
		// the hot path: one object and two bigints per peer, table lookups, no branches on version
		for (let i = 0; i < count; i++) {
			peers[i] = {
				kind: bytes[o + 18] !== 0 ? "community" : PEER_KIND_OF_BYTE[bytes[o + 16]!]!,
				id: view.getBigInt64(o, true),
				accessHash: view.getBigInt64(o + 8, true),
				channelKind: CHANNEL_KIND_OF_BYTE[bytes[o + 17]!]!,
			};
			o += 19;
		}
		r.offset = o;
		return peers;
	}
	return readPeersAnyVersion(r, version, strict, peers, entrySize);
}

function readPeersAnyVersion(
	r: ByteReader,
	version: number,
	strict: boolean,
	peers: CachedPeer[],
	entrySize: number,
): CachedPeer[] {
	const count = peers.length;
	const { bytes, view } = r;
	let o = r.offset;
	for (let i = 0; i < count; i++) {
		const id = view.getBigInt64(o, true);
		const accessHash = view.getBigInt64(o + 8, true);
		const type = bytes[o + 16] as number;
		let channelKind: CachedPeer["channelKind"] = null;
		if (version >= 6) {
			const k = bytes[o + 17] as number;
			channelKind = CHANNEL_KIND_OF_BYTE[k]!;
			if (strict && k > 2 && k !== NO_CHANNEL_KIND) throw corrupt(`unknown channel kind byte ${k}`);
		}
		const communityByte = version >= 8 ? (bytes[o + 18] as number) : 0;
		const community = communityByte !== 0;
		if (strict) strictPeer(type, communityByte);
		const kind = community ? "community" : PEER_KIND_OF_BYTE[type]!;
		peers[i] = { kind, id, accessHash, channelKind };
		o += entrySize;
	}
	r.offset = o;
	return peers;
}

function strictPeer(type: number, community: number): void {
	if (type > 2) throw corrupt(`unknown peer type byte ${type} (strict)`);
	if (community > 1) throw corrupt(`is_community byte is ${community}, expected 0 or 1 (strict)`);
	if (community === 1 && type !== 0)
		throw corrupt(`community peer with type byte ${type}, expected 0 (strict)`);
}

function corrupt(message: string): CorruptSessionError {
	return new CorruptSessionError(message, { backend: BACKEND });
}
