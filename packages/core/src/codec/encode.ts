import { EncodeOverflowError, SessionBackendError } from "../errors.js";
import { BINARY_PEER_TYPE, CHANNEL_KIND_CODE } from "../kinds.js";
import type { PersistedSession } from "../types.js";
import { check, utf8Encode, utf8Length } from "./bytes.js";
import { AUTH_KEY_LENGTH, CODEC, NO_CHANNEL_KIND, SESSION_FORMAT_VERSION } from "./format.js";
import { encodeTrailer, type TrailerOptions } from "./trailer.js";

// the stored codes as constants: the hot loop below stores them without a table lookup per peer
const TYPE_USER = BINARY_PEER_TYPE.code.user;
const TYPE_CHANNEL = BINARY_PEER_TYPE.code.channel;
const TYPE_CHAT = BINARY_PEER_TYPE.code.chat;
const KIND_BROADCAST = CHANNEL_KIND_CODE.code.broadcast;
const KIND_MEGAGROUP = CHANNEL_KIND_CODE.code.megagroup;
const KIND_GIGAGROUP = CHANNEL_KIND_CODE.code.gigagroup;

/** Options of `encodeSession`: what the extension trailer carries. */
export type EncodeOptions = TrailerOptions;

// The encoder validates every value before it can be written wrongly: counts and lengths that do
// not fit (FORMAT.md §2.8, §8.2), integers outside i32/i64, unknown kinds. A failure throws before the buffer is
// returned, so nothing partial ever leaves this function. The entry loops check and write in one
// pass (validation in a separate pass cost a third of the time).

// DataView.setBigInt64 costs about 2.3x more than storing into an aligned BigInt64Array and copying
// its two 32-bit halves (measured on Node 20; see bench/codec.ts). Entries are 19/20/12 bytes wide,
// so the output can never be viewed as an aligned BigInt64Array; on little-endian hosts the value
// goes through this 8-byte scratch instead. Big-endian hosts use setBigInt64.
const SCRATCH64 = new BigInt64Array(1);
const SCRATCH32 = new Uint32Array(SCRATCH64.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes an i64 (already range-checked) little-endian at `o`. */
function put64(view: DataView, o: number, v: bigint): void {
	if (LITTLE_ENDIAN_HOST) {
		SCRATCH64[0] = v;
		view.setUint32(o, SCRATCH32[0]!, true);
		view.setUint32(o + 4, SCRATCH32[1]!, true);
	} else {
		view.setBigInt64(o, v, true);
	}
}

/**
 * Encodes a session in the v8 binary format, byte-identical to ferogram for the same entry order.
 * Extension data (extensions, peer metadata) follows as the trailer; without any, nothing does.
 */
export function encodeSession(session: PersistedSession, options: EncodeOptions = {}): Uint8Array {
	const { dcs, updatesState: st, peers, minPeers } = session;
	const token = session.futureAuthToken;
	const channels = st.channels;
	check.i32(session.homeDcId, "homeDcId", CODEC);
	check.count(dcs.length, 0xff, "DC entries", CODEC);
	check.count(channels.length, 0xffff, "channel pts entries", CODEC);
	check.count(peers.length, 0xffff, "cached peers", CODEC);
	check.count(minPeers.length, 0xffff, "min peers", CODEC);
	if (token) check.count(token.length, 0xffff, "future auth token bytes", CODEC);
	check.i32(st.pts, "updatesState.pts", CODEC);
	check.i32(st.qts, "updatesState.qts", CODEC);
	check.i32(st.date, "updatesState.date", CODEC);
	check.i32(st.seq, "updatesState.seq", CODEC);

	const addrs: Uint8Array[] = new Array(dcs.length);
	let size =
		1 +
		4 +
		1 +
		16 +
		2 +
		channels.length * 12 +
		2 +
		peers.length * 19 +
		2 +
		minPeers.length * 20 +
		1;
	for (let i = 0; i < dcs.length; i++) {
		const dc = dcs[i]!;
		if (typeof dc.addr !== "string")
			throw invalid(`address of DC ${String(dc.dcId)} must be a string`);
		const addr = utf8Encode(dc.addr);
		check.count(addr.length, 0xff, `address length of DC ${dc.dcId}`, CODEC);
		if (dc.authKey && dc.authKey.length !== AUTH_KEY_LENGTH) {
			throw invalid(
				`auth key of DC ${dc.dcId} must be ${AUTH_KEY_LENGTH} bytes, got ${dc.authKey.length}`,
			);
		}
		addrs[i] = addr;
		size += 19 + addr.length + (dc.authKey ? AUTH_KEY_LENGTH : 0);
	}
	if (token) size += 2 + token.length;

	const trailer = encodeTrailer(session, options);
	const bytes = new Uint8Array(size + (trailer?.length ?? 0));
	if (trailer) bytes.set(trailer, size);
	const view = new DataView(bytes.buffer);
	bytes[0] = SESSION_FORMAT_VERSION;
	view.setInt32(1, session.homeDcId, true);
	bytes[5] = dcs.length;
	let o = 6;
	for (let i = 0; i < dcs.length; i++) {
		const dc = dcs[i]!;
		check.i32(dc.dcId, "dcs[].dcId", CODEC);
		i64(dc.firstSalt, "dcs[].firstSalt");
		check.i32(dc.timeOffset, "dcs[].timeOffset", CODEC);
		check.int(dc.flags, 0, 0xff, "dcs[].flags", CODEC);
		view.setInt32(o, dc.dcId, true);
		o += 4;
		const key = dc.authKey;
		if (key) {
			bytes[o++] = 1;
			const at = o;
			key.read((k) => bytes.set(k, at));
			o += AUTH_KEY_LENGTH;
		} else {
			bytes[o++] = 0;
		}
		put64(view, o, dc.firstSalt);
		view.setInt32(o + 8, dc.timeOffset, true);
		o += 12;
		const addr = addrs[i]!;
		bytes[o++] = addr.length;
		bytes.set(addr, o);
		o += addr.length;
		bytes[o++] = dc.flags;
	}
	view.setInt32(o, st.pts, true);
	view.setInt32(o + 4, st.qts, true);
	view.setInt32(o + 8, st.date, true);
	view.setInt32(o + 12, st.seq, true);
	view.setUint16(o + 16, channels.length, true);
	o += 18;
	for (let i = 0; i < channels.length; i++) {
		const c = channels[i]!;
		const id = c.channelId;
		const pts = c.pts;
		if (typeof id !== "bigint" || BigInt.asIntN(64, id) !== id)
			throw notI64("channels[].channelId");
		if ((pts | 0) !== pts) check.i32(pts, "channels[].pts", CODEC);
		put64(view, o, id);
		view.setInt32(o + 8, pts, true);
		o += 12;
	}
	view.setUint16(o, peers.length, true);
	o += 2;
	for (let i = 0; i < peers.length; i++) {
		const p = peers[i]!;
		const id = p.id;
		const hash = p.accessHash;
		if (typeof id !== "bigint" || BigInt.asIntN(64, id) !== id) throw notI64("peers[].id");
		if (typeof hash !== "bigint" || BigInt.asIntN(64, hash) !== hash)
			throw notI64("peers[].accessHash");
		put64(view, o, id);
		put64(view, o + 8, hash);
		switch (p.kind) {
			case "user":
				bytes[o + 16] = TYPE_USER;
				break;
			case "channel":
				bytes[o + 16] = TYPE_CHANNEL;
				break;
			case "chat":
				bytes[o + 16] = TYPE_CHAT;
				break;
			case "community":
				// written as a user plus the v8 community byte, as the reference does
				bytes[o + 16] = TYPE_USER;
				bytes[o + 18] = 1;
				break;
			default:
				throw invalid(`unknown peer kind ${String(p.kind)}`);
		}
		switch (p.channelKind) {
			case null:
				bytes[o + 17] = NO_CHANNEL_KIND;
				break;
			case "broadcast":
				bytes[o + 17] = KIND_BROADCAST;
				break;
			case "megagroup":
				bytes[o + 17] = KIND_MEGAGROUP;
				break;
			case "gigagroup":
				bytes[o + 17] = KIND_GIGAGROUP;
				break;
			default:
				throw invalid(`unknown channel kind ${String(p.channelKind)}`);
		}
		o += 19;
	}
	view.setUint16(o, minPeers.length, true);
	o += 2;
	for (let i = 0; i < minPeers.length; i++) {
		const m = minPeers[i]!;
		const user = m.userId;
		const peer = m.peerId;
		const msg = m.msgId;
		if (typeof user !== "bigint" || BigInt.asIntN(64, user) !== user)
			throw notI64("minPeers[].userId");
		if (typeof peer !== "bigint" || BigInt.asIntN(64, peer) !== peer)
			throw notI64("minPeers[].peerId");
		if ((msg | 0) !== msg) check.i32(msg, "minPeers[].msgId", CODEC);
		put64(view, o, user);
		put64(view, o + 8, peer);
		view.setInt32(o + 16, msg, true);
		o += 20;
	}
	if (token) {
		bytes[o] = 1;
		view.setUint16(o + 1, token.length, true);
		const at = o + 3;
		token.read((t) => bytes.set(t, at));
	}
	return bytes;
}

/** Size of the v8 body without encoding (no validation; the extension trailer not counted). */
export function encodedSize(session: PersistedSession): number {
	let size = 1 + 4 + 1 + 16 + 2 + 2 + 2 + 1;
	for (const dc of session.dcs) {
		size += 19 + utf8Length(dc.addr) + (dc.authKey ? AUTH_KEY_LENGTH : 0);
	}
	size += session.updatesState.channels.length * 12;
	size += session.peers.length * 19;
	size += session.minPeers.length * 20;
	if (session.futureAuthToken) size += 2 + session.futureAuthToken.length;
	return size;
}

function i64(value: bigint, what: string): void {
	if (typeof value !== "bigint" || BigInt.asIntN(64, value) !== value) throw notI64(what);
}

function notI64(what: string): EncodeOverflowError {
	return new EncodeOverflowError(`${what} must be a bigint in the i64 range`, { backend: CODEC });
}

function invalid(message: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend: CODEC });
}
