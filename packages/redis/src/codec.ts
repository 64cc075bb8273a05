import {
	AUTH_KEY_LENGTH,
	type CachedMinPeer,
	type CachedPeer,
	type ChannelKind,
	CorruptSessionError,
	type DcEntry,
	EncodeOverflowError,
	isEncryptedEnvelope,
	type PeerKind,
	type PeerMeta,
	SecretBytes,
	SessionBackendError,
	UnsupportedVersionError,
} from "@x/session-core";
import { CHANNEL_KIND_CODE, checkDcAddress, DC_SLOT_MASK } from "@x/session-core/backend";
import { BACKEND } from "./keys.js";

/** Version of the key layout, stored in the meta hash as field `v`. */
export const LAYOUT_VERSION = 1;
const DC_VALUE_VERSION = 1;
const NO_CHANNEL_KIND = 0xff;
/** Channel kinds at their stored code (core's explicit table, the same as the binary format's). */
const CHANNEL_KINDS: readonly ChannelKind[] = CHANNEL_KIND_CODE.byCode;
const KIND_CHAR: Record<PeerKind, string> = { user: "u", chat: "g", channel: "c", community: "m" };
const CHAR_KIND: Record<string, PeerKind> = { u: "user", g: "chat", c: "channel", m: "community" };
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function invalid(message: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend: BACKEND });
}

/** Throws {@link EncodeOverflowError} unless `v` is an i32. */
export function checkI32(v: number, what: string): void {
	if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
		throw new EncodeOverflowError(`${what} must be an i32, got ${String(v)}`, { backend: BACKEND });
	}
}

/** Throws {@link EncodeOverflowError} unless `v` is an i64 bigint. */
export function checkI64(v: bigint, what: string): void {
	if (typeof v !== "bigint" || v < I64_MIN || v > I64_MAX) {
		throw new EncodeOverflowError(`${what} must be a bigint in the i64 range`, {
			backend: BACKEND,
		});
	}
}

function corrupt(what: string): CorruptSessionError {
	return new CorruptSessionError(`stored ${what} does not decode`, { backend: BACKEND });
}

/** Parses a decimal i32 stored by this backend; corrupt data throws. */
export function parseI32(raw: Buffer | string | undefined, what: string): number {
	if (raw === undefined) return 0;
	const text = raw.toString("latin1");
	if (!/^-?\d{1,10}$/.test(text)) throw corrupt(what);
	const v = Number(text);
	if (v < -0x80000000 || v > 0x7fffffff) throw corrupt(what);
	return v;
}

/** Parses a decimal i64 stored by this backend; corrupt data throws. */
export function parseI64(raw: string, what: string): bigint {
	if (!/^-?\d{1,19}$/.test(raw)) throw corrupt(what);
	const v = BigInt(raw);
	if (v < I64_MIN || v > I64_MAX) throw corrupt(what);
	return v;
}

/** Checks the meta hash's layout version field. */
export function checkLayoutVersion(raw: Buffer | undefined): void {
	const v = raw === undefined ? Number.NaN : Number(raw.toString("latin1"));
	if (v !== LAYOUT_VERSION) {
		throw new UnsupportedVersionError(
			Number.isInteger(v) ? v : -1,
			`session layout version ${raw === undefined ? "(missing)" : raw.toString("latin1").slice(0, 16)} is not supported (this version reads ${LAYOUT_VERSION})`,
			{ backend: BACKEND },
		);
	}
}

/** The `dcs` hash field of a DC entry: `dcId/slotBits`, one field per slot. */
export function dcField(dc: Pick<DcEntry, "dcId" | "flags">): string {
	return `${dc.dcId}/${dc.flags & DC_SLOT_MASK}`;
}

/** Validates a DC entry before it is written. */
export function checkDc(dc: DcEntry): void {
	checkI32(dc.dcId, "dc.dcId");
	checkI32(dc.timeOffset, "dc.timeOffset");
	checkI64(dc.firstSalt, "dc.firstSalt");
	if (!Number.isInteger(dc.flags) || dc.flags < 0 || dc.flags > 0xff)
		throw invalid("dc.flags must be a byte");
	if (typeof dc.addr !== "string") throw invalid("dc.addr must be a string");
	checkDcAddress(dc, BACKEND); // core's check: a longer address cannot be converted to a file or string
	if (dc.authKey !== null && !(dc.authKey instanceof SecretBytes))
		throw invalid("dc.authKey must be SecretBytes or null");
	if (dc.authKey && dc.authKey.length !== AUTH_KEY_LENGTH && !isSealedKey(dc.authKey)) {
		throw invalid(
			`auth key of DC ${dc.dcId} must be ${AUTH_KEY_LENGTH} bytes, got ${dc.authKey.length}`,
		);
	}
}

/** An auth key encrypted by withEncryptedSecrets: an envelope, stored with its length. */
function isSealedKey(key: SecretBytes): boolean {
	return key.length <= 0xffff && key.read(isEncryptedEnvelope);
}

/**
 * Packs a DC entry: version u8, flags u8, timeOffset i32, firstSalt i64, key kind u8 (0 none,
 * 1 a 256-byte key, 2 an encrypted key: u16 LE length then the envelope), the key, addr UTF-8.
 */
export function packDc(dc: DcEntry): Buffer {
	checkDc(dc);
	const addr = Buffer.from(dc.addr, "utf8");
	const sealed = dc.authKey !== null && dc.authKey.length !== AUTH_KEY_LENGTH;
	const keyLen = dc.authKey ? dc.authKey.length + (sealed ? 2 : 0) : 0;
	const buf = Buffer.allocUnsafe(15 + keyLen + addr.length);
	buf[0] = DC_VALUE_VERSION;
	buf[1] = dc.flags;
	buf.writeInt32LE(dc.timeOffset, 2);
	buf.writeBigInt64LE(dc.firstSalt, 6);
	buf[14] = dc.authKey ? (sealed ? 2 : 1) : 0;
	if (dc.authKey) {
		if (sealed) buf.writeUInt16LE(dc.authKey.length, 15);
		dc.authKey.read((key) => buf.set(key, sealed ? 17 : 15));
	}
	addr.copy(buf, 15 + keyLen);
	return buf;
}

/** Unpacks a DC entry stored under `field`; anything inconsistent is corrupt. */
export function unpackDc(field: string, value: Buffer): DcEntry {
	const m = /^(-?\d{1,10})\/(\d{1,2})$/.exec(field);
	if (!m || value.length < 15 || value[0] !== DC_VALUE_VERSION)
		throw corrupt(`DC entry ${field.slice(0, 32)}`);
	const dcId = parseI32(m[1], "DC id");
	const flags = value[1] as number;
	const hasKey = value[14];
	if ((flags & DC_SLOT_MASK) !== Number(m[2]) || (hasKey !== 0 && hasKey !== 1 && hasKey !== 2))
		throw corrupt(`DC entry ${field}`);
	if (hasKey === 2 && value.length < 17) throw corrupt(`DC entry ${field}`);
	const keyStart = hasKey === 2 ? 17 : 15;
	const keyLen = hasKey === 1 ? AUTH_KEY_LENGTH : hasKey === 2 ? value.readUInt16LE(15) : 0;
	const keyEnd = keyStart + keyLen;
	if (value.length < keyEnd) throw corrupt(`DC entry ${field}`);
	// an encrypted key is an envelope, never 256 bytes (packDc writes those as kind 1)
	if (
		hasKey === 2 &&
		(keyLen === AUTH_KEY_LENGTH || !isEncryptedEnvelope(value.subarray(keyStart, keyEnd)))
	)
		throw corrupt(`encrypted key of DC entry ${field}`);
	let addr: string;
	try {
		addr = new TextDecoder("utf-8", { fatal: true }).decode(value.subarray(keyEnd));
	} catch {
		throw corrupt(`address of DC entry ${field}`);
	}
	return {
		dcId,
		addr,
		authKey: hasKey === 0 ? null : secretOf(value.subarray(keyStart, keyEnd)),
		firstSalt: value.readBigInt64LE(6),
		timeOffset: value.readInt32LE(2),
		flags,
	};
}

/** The `peers` hash field: a kind character (`u`, `g`, `c`, `m`) followed by the decimal id. */
export function peerField(peer: Pick<CachedPeer, "kind" | "id">): string {
	const c = KIND_CHAR[peer.kind];
	if (c === undefined) throw invalid(`unknown peer kind ${String(peer.kind)}`);
	checkI64(peer.id, "peer.id");
	return `${c}${peer.id}`;
}

/** Packs a peer value: access hash i64 LE, then the channel kind byte (0xFF = unknown). */
export function packPeer(peer: CachedPeer): Buffer {
	checkI64(peer.accessHash, "peer.accessHash");
	const kind =
		peer.channelKind === null ? NO_CHANNEL_KIND : CHANNEL_KINDS.indexOf(peer.channelKind);
	if (kind < 0) throw invalid(`unknown channel kind ${String(peer.channelKind)}`);
	const buf = Buffer.allocUnsafe(9);
	buf.writeBigInt64LE(peer.accessHash, 0);
	buf[8] = kind;
	return buf;
}

/** Wraps bytes read from Redis as a secret holding a plain Uint8Array (not a Buffer). */
export function secretOf(bytes: Buffer): SecretBytes {
	return new SecretBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** Unpacks a cached peer. */
export function unpackPeer(field: string, value: Buffer): CachedPeer {
	const kind = CHAR_KIND[field.charAt(0)];
	if (kind === undefined || value.length !== 9) throw corrupt(`peer ${field.slice(0, 24)}`);
	const k = value[8] as number;
	if (k !== NO_CHANNEL_KIND && k > 2) throw corrupt(`peer ${field}`);
	return {
		kind,
		id: parseI64(field.slice(1), "peer id"),
		accessHash: value.readBigInt64LE(0),
		channelKind: k === NO_CHANNEL_KIND ? null : (CHANNEL_KINDS[k] as ChannelKind),
	};
}

/** The `minpeers` field (decimal user id) and value (peer id i64 LE, msg id i32 LE). */
export function packMinPeer(m: CachedMinPeer): [string, Buffer] {
	checkI64(m.userId, "minPeer.userId");
	checkI64(m.peerId, "minPeer.peerId");
	checkI32(m.msgId, "minPeer.msgId");
	const buf = Buffer.allocUnsafe(12);
	buf.writeBigInt64LE(m.peerId, 0);
	buf.writeInt32LE(m.msgId, 8);
	return [String(m.userId), buf];
}

/** Unpacks a min peer. */
export function unpackMinPeer(field: string, value: Buffer): CachedMinPeer {
	if (value.length !== 12) throw corrupt(`min peer ${field.slice(0, 24)}`);
	return {
		userId: parseI64(field, "min peer user id"),
		peerId: value.readBigInt64LE(0),
		msgId: value.readInt32LE(8),
	};
}

const PEER_META_VERSION = 1;
const META_MIN = 1;
const META_NAME = 2;
const META_DATA = 4;

/**
 * Packs peer metadata for the `pmeta` hash: the index text (phone or empty, then each username,
 * newline-separated) and a NUL, which the cachePeers script reads to release old names; then
 * version u8, flags u8 (min, name, data), updatedAt u64 LE, [u32 LE name length, name], [data].
 * The indexes, not this text, say who owns a username or phone.
 */
export function packPeerMeta(meta: PeerMeta): Buffer {
	const index = Buffer.from(`${[meta.phone ?? "", ...meta.usernames].join("\n")}\0`, "utf8");
	const name = meta.name === null ? null : Buffer.from(meta.name, "utf8");
	const head = Buffer.allocUnsafe(10 + (name ? 4 : 0));
	head[0] = PEER_META_VERSION;
	head[1] = (meta.isMin ? META_MIN : 0) | (name ? META_NAME : 0) | (meta.data ? META_DATA : 0);
	head.writeBigUInt64LE(BigInt(meta.updatedAt), 2);
	if (name) head.writeUInt32LE(name.length, 10);
	const parts: Uint8Array[] = [index, head];
	if (name) parts.push(name);
	if (meta.data) parts.push(meta.data);
	return Buffer.concat(parts);
}

/** Unpacks metadata stored under peer `field`; usernames and phone come from the indexes. */
export function unpackPeerMeta(
	field: string,
	value: Buffer,
	usernames: string[],
	phone: string | null,
): PeerMeta {
	const fail = () => corrupt(`metadata of peer ${field.slice(0, 24)}`);
	const start = value.indexOf(0) + 1;
	if (start === 0 || value.length < start + 10 || value[start] !== PEER_META_VERSION) throw fail();
	const flags = value[start + 1] as number;
	const updatedAt = value.readBigUInt64LE(start + 2);
	if (flags > 7 || updatedAt > BigInt(Number.MAX_SAFE_INTEGER)) throw fail();
	let at = start + 10;
	let name: string | null = null;
	if (flags & META_NAME) {
		if (value.length < at + 4) throw fail();
		const end = at + 4 + value.readUInt32LE(at);
		if (value.length < end) throw fail();
		try {
			name = new TextDecoder("utf-8", { fatal: true }).decode(value.subarray(at + 4, end));
		} catch {
			throw fail();
		}
		at = end;
	}
	if (!(flags & META_DATA) && at !== value.length) throw fail();
	return {
		usernames: usernames.sort(),
		phone,
		name,
		updatedAt: Number(updatedAt),
		isMin: (flags & META_MIN) !== 0,
		data: flags & META_DATA ? new Uint8Array(value.subarray(at)) : null,
	};
}
