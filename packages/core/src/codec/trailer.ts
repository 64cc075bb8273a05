import { CorruptSessionError, SessionBackendError } from "../errors.js";
import {
	MAX_EXTENSION_KEY_BYTES,
	MAX_EXTENSION_VALUE_BYTES,
	peerMetaProblem,
} from "../extensions.js";
import { TRAILER_PEER_KIND } from "../kinds.js";
import { peerKey } from "../peers.js";
import { SecretBytes } from "../secret.js";
import type { CachedPeer, PeerKind, PeerMeta, PersistedSession } from "../types.js";
import { ByteReader, ByteWriter, utf8Decode, utf8Length } from "./bytes.js";
import { CODEC } from "./format.js";

// The extension trailer (FORMAT.md §4): what our model adds to ferogram's travels
// after the v8 body, which ferogram ignores. Layout, little-endian:
//   "XSXT" | u8 version (1) | u32 payload length | u32 CRC-32 of the payload | payload
// The payload is a sequence of entries `u8 type | u32 length | body`; unknown types are skipped so
// later versions can add entries. Type 1 = one extension value, type 2 = one peer's metadata.

const MAGIC = [0x58, 0x53, 0x58, 0x54] as const;
const MAGIC_BYTES = Uint8Array.from(MAGIC);
const TRAILER_VERSION = 1;
const HEADER = 13;
const ENTRY_EXTENSION = 1;
const ENTRY_PEER_META = 2;
const FLAG_MIN = 1;
const FLAG_PHONE = 2;
const FLAG_NAME = 4;
const FLAG_DATA = 8;

/** What the extension trailer after a v8 body carries (client metadata ferogram ignores). */
export interface TrailerOptions {
	/** Write each peer's opaque `data` (default `true`); `false` keeps strings and files small. */
	peerData?: boolean;
}

/** The trailer for `session`, or `null` when it has no extension data (then nothing is written). */
export function encodeTrailer(
	session: PersistedSession,
	options: TrailerOptions = {},
): Uint8Array | null {
	const keepData = options.peerData !== false;
	// sized first (every value checked), then written into one buffer: no piece per entry
	let length = 0;
	let entries = 0;
	for (const [key, value] of session.extensions ?? []) {
		const k = utf8Length(key);
		if (k === 0 || k > MAX_EXTENSION_KEY_BYTES)
			throw invalid(`extension key must be 1 to ${MAX_EXTENSION_KEY_BYTES} bytes`);
		// what decodeSession refuses (a value no backend stores), this never writes
		if (value.length > MAX_EXTENSION_VALUE_BYTES)
			throw invalid(`extension value is larger than ${MAX_EXTENSION_VALUE_BYTES} bytes`);
		length += 5 + 2 + k + value.length;
		entries++;
	}
	for (const peer of session.peers) {
		if (!peer.meta) continue;
		const problem = peerMetaProblem(peer.meta);
		if (problem) throw invalid(`peer metadata of ${peer.kind} ${peer.id}: ${problem}`);
		length += 5 + peerMetaBody(peer.meta, keepData);
		entries++;
	}
	if (entries === 0) return null;
	const w = new ByteWriter(HEADER + length, true);
	w.raw(MAGIC_BYTES);
	w.u8(TRAILER_VERSION);
	w.u32(length);
	w.u32(0);
	for (const [key, value] of session.extensions ?? []) {
		entryHeader(w, ENTRY_EXTENSION, 2 + utf8Length(key) + value.length);
		prefixed(w, key, 2);
		value.read((v) => w.raw(v));
	}
	for (const peer of session.peers) if (peer.meta) writePeerMeta(w, peer, peer.meta, keepData);
	w.view.setUint32(9, crc32(w.bytes.subarray(HEADER)), true);
	return w.bytes;
}

/** The body length of a peer's metadata entry; throws when a value does not fit the format. */
function peerMetaBody(meta: PeerMeta, keepData: boolean): number {
	if (meta.usernames.length > 0xff) throw invalid("at most 255 usernames per peer");
	let body = 1 + 8 + 1 + 8 + 1;
	for (const u of meta.usernames) {
		const n = utf8Length(u);
		if (n > 0xff) throw invalid("a username is longer than 255 bytes");
		body += 1 + n;
	}
	if (meta.phone !== null) {
		const n = utf8Length(meta.phone);
		if (n > 0xff) throw invalid("phone is longer than 255 bytes");
		body += 1 + n;
	}
	if (meta.name !== null) {
		const n = utf8Length(meta.name);
		if (n > 0xffff) throw invalid("name is longer than 65535 bytes");
		body += 2 + n;
	}
	if (!Number.isSafeInteger(meta.updatedAt) || meta.updatedAt < 0)
		throw invalid("peer updatedAt must be a non-negative safe integer");
	if (keepData && meta.data) body += meta.data.length;
	return body;
}

function writePeerMeta(w: ByteWriter, peer: CachedPeer, meta: PeerMeta, keepData: boolean): void {
	// an empty phone, name or data is still written (flag set, no bytes): it reads back as empty
	const phone = meta.phone !== null;
	const name = meta.name !== null;
	const data = keepData ? meta.data : null;
	entryHeader(w, ENTRY_PEER_META, peerMetaBody(meta, keepData));
	w.u8(TRAILER_PEER_KIND.code[peer.kind]);
	w.i64(peer.id);
	w.u8(
		(meta.isMin ? FLAG_MIN : 0) |
			(phone ? FLAG_PHONE : 0) |
			(name ? FLAG_NAME : 0) |
			(data ? FLAG_DATA : 0),
	);
	w.i64(BigInt(meta.updatedAt));
	w.u8(meta.usernames.length);
	for (const u of meta.usernames) prefixed(w, u, 1);
	if (phone) prefixed(w, meta.phone as string, 1);
	if (name) prefixed(w, meta.name as string, 2);
	if (data) w.raw(data);
}

/** `text` in UTF-8 after its length in `width` bytes (checked to fit by the caller). */
function prefixed(w: ByteWriter, text: string, width: 1 | 2): void {
	const at = w.offset;
	w.offset += width;
	const n = w.utf8(text);
	if (width === 1) w.bytes[at] = n;
	else w.view.setUint16(at, n, true);
}

function entryHeader(w: ByteWriter, type: number, length: number): void {
	w.u8(type);
	w.u32(length);
}

/** What follows the v8 body: nothing, unrelated bytes, or a trailer. */
export type TrailerScan = "none" | "foreign" | "trailer";

/** Tells a trailer (magic present) from unrelated trailing bytes. */
export function scanTrailer(bytes: Uint8Array, offset: number): TrailerScan {
	if (offset >= bytes.length) return "none";
	if (bytes.length - offset < MAGIC.length) return "foreign";
	for (let i = 0; i < MAGIC.length; i++) if (bytes[offset + i] !== MAGIC[i]) return "foreign";
	return "trailer";
}

/**
 * Reads the trailer at `offset` into `session` (extensions and peer metadata). A trailer that
 * is cut short, fails its checksum, or names a peer that is not cached is a
 * {@link CorruptSessionError}: typed data is never dropped silently.
 */
export function decodeTrailer(bytes: Uint8Array, offset: number, session: PersistedSession): void {
	const r = new ByteReader(bytes, { littleEndian: true, backend: CODEC, offset: offset + 4 });
	const damaged = (what: string) =>
		new CorruptSessionError(`extension trailer: ${what}`, { backend: CODEC });
	// "truncated session" as the body's reader says it: the likeliest cause is a cut-short copy
	if (bytes.length - offset < HEADER)
		throw new CorruptSessionError(
			"truncated session: the extension trailer's header is cut short",
			{
				backend: CODEC,
			},
		);
	const version = r.u8("trailer version");
	if (version !== TRAILER_VERSION) throw damaged(`unknown trailer version ${version}`);
	const length = r.u32("trailer length");
	const checksum = r.u32("trailer checksum");
	if (r.remaining < length)
		throw new CorruptSessionError(
			`truncated session: the extension trailer holds ${r.remaining} of the ${length} bytes its header announces`,
			{ backend: CODEC },
		);
	if (r.remaining > length)
		throw damaged(
			`payload is ${r.remaining} bytes but the header says ${length} (bytes appended?)`,
		);
	if (crc32(bytes.subarray(r.offset)) !== checksum) throw damaged("checksum mismatch");

	const peers = new PeerFinder(session.peers);
	while (r.remaining > 0) {
		const type = r.u8("trailer entry type");
		const size = r.u32("trailer entry length");
		r.within(size, "trailer entry", (entry) => {
			if (type === ENTRY_EXTENSION) {
				// the encoder writes 1 to 255 bytes: any other key could never be written back
				const keyLength = entry.u16("key length");
				if (keyLength === 0 || keyLength > MAX_EXTENSION_KEY_BYTES)
					throw damaged(
						`an extension key is ${keyLength} bytes (1 to ${MAX_EXTENSION_KEY_BYTES} can be written back)`,
					);
				const key = utf8Decode(entry.take(keyLength, "key"), true, CODEC, "extension key");
				if (entry.remaining > MAX_EXTENSION_VALUE_BYTES)
					throw damaged(
						`extension value ${key} is ${entry.remaining} bytes, more than the ${MAX_EXTENSION_VALUE_BYTES} any backend saves${NOT_OURS}`,
					);
				session.extensions ??= new Map();
				session.extensions.set(key, new SecretBytes(entry.take(entry.remaining, "value")));
			} else if (type === ENTRY_PEER_META) {
				const kind = TRAILER_PEER_KIND.kindOf(entry.u8("peer kind"));
				if (!kind) throw damaged("unknown peer kind in peer metadata");
				const id = entry.i64("peer id");
				const peer = peers.find(kind, id);
				if (!peer) throw damaged(`metadata for ${kind} ${id}, which is not cached`);
				const meta = readPeerMeta(entry);
				// Metadata save() would refuse is refused here, typed, rather than normalised or
				// dropped: x-session never writes it (every backend normalises first, and the encoder
				// refuses it), a username with a space or a 33-digit phone is no Telegram identifier,
				// and a repair would change typed data silently. What save() folds (case, "@",
				// separators in a phone) still loads as written. The v8 body is ferogram's and is
				// unaffected: only this trailer, which is ours, is judged.
				const problem = peerMetaProblem(meta);
				if (problem) throw damaged(`peer metadata of ${kind} ${id}: ${problem}${NOT_OURS}`);
				peer.meta = meta;
			}
		});
	}
}

/**
 * Finds the peer a metadata entry is for. The encoder writes entries in peer order, so the next
 * one is found by looking ahead from the last match; entries in any other order fall back to
 * an index (the last of two equal peers, as a map of them keeps).
 */
class PeerFinder {
	readonly #peers: readonly CachedPeer[];
	#next = 0;
	#byKey: Map<string, CachedPeer> | undefined;

	constructor(peers: readonly CachedPeer[]) {
		this.#peers = peers;
	}

	find(kind: PeerKind, id: bigint): CachedPeer | undefined {
		if (!this.#byKey) {
			const peers = this.#peers;
			for (let i = this.#next; i < peers.length; i++) {
				const p = peers[i] as CachedPeer;
				if (p.id === id && p.kind === kind) {
					this.#next = i + 1;
					return p;
				}
			}
			this.#byKey = new Map(peers.map((p) => [peerKey(p.kind, p.id), p]));
		}
		return this.#byKey.get(peerKey(kind, id));
	}
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** What the decoder adds to a refusal of a value no backend would save. */
const NOT_OURS =
	"; no backend saves that, so this session would load but never save again (x-session does not write it: another tool wrote or edited the trailer; re-export the session from its source)";

function readPeerMeta(r: ByteReader): PeerMeta {
	const flags = r.u8("peer metadata flags");
	const stamp = r.i64("updatedAt");
	if (stamp < 0n || stamp > MAX_SAFE)
		throw new CorruptSessionError("extension trailer: peer updatedAt is out of range", {
			backend: CODEC,
		});
	const count = r.u8("username count");
	const usernames = new Array<string>(count);
	for (let i = 0; i < count; i++) usernames[i] = text(r, r.u8("username length"), "username");
	const phone = flags & FLAG_PHONE ? text(r, r.u8("phone length"), "phone") : null;
	const name = flags & FLAG_NAME ? text(r, r.u16("name length"), "name") : null;
	const data = flags & FLAG_DATA ? r.take(r.remaining, "data").slice() : null;
	return {
		usernames,
		phone,
		name,
		updatedAt: Number(stamp),
		isMin: (flags & FLAG_MIN) !== 0,
		data,
	};
}

function text(r: ByteReader, length: number, what: string): string {
	return utf8Decode(r.take(length, what), true, CODEC, what);
}

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and PNG). */
export function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < bytes.length; i++)
		c = CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff]! ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function invalid(message: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend: CODEC });
}
