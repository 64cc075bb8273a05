// Byte layouts: mtcute's own (DC options, current user, counters), and the adapter's (peer data,
// temporary keys, reference messages) kept in the extension area.

const FORMAT = 1;

function fail(what: string): never {
	throw new RangeError(`mtcute adapter: ${what}`);
}

function view(bytes: Uint8Array): DataView {
	return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A peer's `meta.data`: format byte, the access hash mtcute gave (i64 LE), then `complete`. */
export function packPeerData(hash: bigint, complete: Uint8Array): Uint8Array {
	const out = new Uint8Array(9 + complete.length);
	out[0] = FORMAT;
	view(out).setBigInt64(1, hash, true);
	out.set(complete, 9);
	return out;
}

/** {@link packPeerData} into `out` (exactly `9 + complete.length` bytes), the hash as its signed 32-bit halves. */
function writePeerData(out: Uint8Array, low: number, high: number, complete: Uint8Array): void {
	out[0] = FORMAT;
	out[1] = low;
	out[2] = low >> 8;
	out[3] = low >> 16;
	out[4] = low >> 24;
	out[5] = high;
	out[6] = high >> 8;
	out[7] = high >> 16;
	out[8] = high >> 24;
	out.set(complete, 9);
}

const PACKER_BLOCK = 65536;
const PACKER_LARGEST = 4096;

/**
 * Packs the `meta.data` of one batch's peers into shared 64 KiB blocks (each value a view of its
 * own range): one allocation for hundreds of peers instead of one each. Only for values that live
 * as long as the batch: the backend copies what it keeps, and a block lives while any view does.
 */
export class PeerDataPacker {
	#block = new Uint8Array(0);
	#used = 0;

	pack(low: number, high: number, complete: Uint8Array): Uint8Array {
		const size = 9 + complete.length;
		let out: Uint8Array;
		if (size > PACKER_LARGEST) out = new Uint8Array(size);
		else {
			if (this.#used + size > this.#block.length) {
				this.#block = new Uint8Array(PACKER_BLOCK);
				this.#used = 0;
			}
			out = this.#block.subarray(this.#used, this.#used + size);
			this.#used += size;
		}
		writePeerData(out, low, high, complete);
		return out;
	}
}

/** {@link packPeerData} with the hash as its signed 32-bit halves, in a buffer of its own. */
export function packPeerDataHalves(low: number, high: number, complete: Uint8Array): Uint8Array {
	const out = new Uint8Array(9 + complete.length);
	writePeerData(out, low, high, complete);
	return out;
}

/** Whether `data` is a peer's `meta.data` as {@link packPeerData} writes it. */
export function isPeerData(data: Uint8Array | null | undefined): data is Uint8Array {
	return !!data && data.length >= 9 && data[0] === FORMAT;
}

/** The access hash in peer `data` (see {@link isPeerData}) as mtcute's `"low|high"` string. */
export function peerDataHashString(data: Uint8Array): string {
	const low = (data[1] as number) | ((data[2] as number) << 8) | ((data[3] as number) << 16);
	const high = (data[5] as number) | ((data[6] as number) << 8) | ((data[7] as number) << 16);
	return `${low | ((data[4] as number) << 24)}|${high | ((data[8] as number) << 24)}`;
}

export function unpackPeerData(
	data: Uint8Array | null,
): { hash: bigint; complete: Uint8Array } | null {
	if (!isPeerData(data)) return null;
	return { hash: view(data).getBigInt64(1, true), complete: data.slice(9) };
}

/** A temporary key's value: format byte, `expires` as given (f64 LE), then the key. */
export function packTempKey(key: Uint8Array, expires: number): Uint8Array {
	const out = new Uint8Array(9 + key.length);
	out[0] = FORMAT;
	view(out).setFloat64(1, expires, true);
	out.set(key, 9);
	return out;
}

export function unpackTempKey(data: Uint8Array): { key: Uint8Array; expires: number } | null {
	if (data.length < 9 || data[0] !== FORMAT) return null;
	return { expires: view(data).getFloat64(1, true), key: data.slice(9) };
}

/** One reference message: the peer it lets us address, the chat that holds it, its id. */
export type RefMessage = readonly [peerId: number, chatId: number, msgId: number];

const REF_BYTES = 20;

/** A bucket of reference messages: format byte, then peer id and chat id (f64 LE) and msg id (i32 LE) each. */
export function packRefs(refs: readonly RefMessage[]): Uint8Array {
	const out = new Uint8Array(1 + refs.length * REF_BYTES);
	out[0] = FORMAT;
	const v = view(out);
	refs.forEach(([peer, chat, msg], i) => {
		const o = 1 + i * REF_BYTES;
		v.setFloat64(o, peer, true);
		v.setFloat64(o + 8, chat, true);
		v.setInt32(o + 16, msg, true);
	});
	return out;
}

export function unpackRefs(data: Uint8Array): RefMessage[] {
	if (data[0] !== FORMAT || (data.length - 1) % REF_BYTES !== 0)
		fail("a reference-message bucket is damaged");
	const v = view(data);
	const out: RefMessage[] = [];
	for (let o = 1; o < data.length; o += REF_BYTES)
		out.push([v.getFloat64(o, true), v.getFloat64(o + 8, true), v.getInt32(o + 16, true)]);
	return out;
}

export function readInt32(data: Uint8Array | null, unsigned = false): number | null {
	if (!data || data.length < 4) return null;
	return unsigned ? view(data).getUint32(0, true) : view(data).getInt32(0, true);
}

export function int32Bytes(value: number, unsigned = false): Uint8Array {
	const out = new Uint8Array(4);
	if (unsigned) view(out).setUint32(0, value, true);
	else view(out).setInt32(0, value, true);
	return out;
}

/** mtcute's stored DC option (`dc_main`, `dc_media`). */
export interface BasicDcOption {
	id: number;
	ipAddress: string;
	port: number;
	ipv6: boolean;
	mediaOnly: boolean;
	testMode: boolean;
}

function tlBytes(bytes: Uint8Array): Uint8Array {
	const head = bytes.length < 254 ? 1 : 4;
	const total = Math.ceil((head + bytes.length) / 4) * 4;
	const out = new Uint8Array(total);
	if (head === 1) out[0] = bytes.length;
	else {
		out[0] = 254;
		out[1] = bytes.length & 0xff;
		out[2] = (bytes.length >> 8) & 0xff;
		out[3] = (bytes.length >> 16) & 0xff;
	}
	out.set(bytes, head);
	return out;
}

function readTlBytes(data: Uint8Array, at: number): { bytes: Uint8Array; end: number } | null {
	if (at >= data.length) return null;
	let length = data[at] as number;
	let head = 1;
	if (length === 254) {
		if (at + 4 > data.length) return null;
		length =
			(data[at + 1] as number) | ((data[at + 2] as number) << 8) | ((data[at + 3] as number) << 16);
		head = 4;
	}
	const end = at + Math.ceil((head + length) / 4) * 4;
	if (at + head + length > data.length) return null;
	return { bytes: data.subarray(at + head, at + head + length), end: Math.min(end, data.length) };
}

export function serializeDcOption(dc: BasicDcOption): Uint8Array {
	const flags = (dc.ipv6 ? 1 : 0) | (dc.mediaOnly ? 2 : 0) | (dc.testMode ? 4 : 0);
	const ip = tlBytes(new TextEncoder().encode(dc.ipAddress));
	const out = new Uint8Array(3 + ip.length + 4);
	out.set([2, dc.id, flags]);
	out.set(ip, 3);
	view(out).setInt32(3 + ip.length, dc.port, true);
	return out;
}

/** Parses as mtcute does (versions 1 and 2), or `null`. */
export function parseDcOption(data: Uint8Array | null): BasicDcOption | null {
	if (!data || data.length < 8) return null;
	const [version, id, flags] = data as unknown as [number, number, number];
	if (version !== 1 && version !== 2) return null;
	const ip = readTlBytes(data, 3);
	if (!ip || ip.end + 4 > data.length) return null;
	return {
		id,
		ipAddress: new TextDecoder().decode(ip.bytes),
		port: view(data).getInt32(ip.end, true),
		ipv6: (flags & 1) !== 0,
		mediaOnly: (flags & 2) !== 0,
		testMode: version === 2 && (flags & 4) !== 0,
	};
}

/** mtcute's `current_user` (v1): the logged-in user. */
export interface CurrentUser {
	userId: number;
	isBot: boolean;
	isPremium: boolean;
	usernames: string[];
}

export function serializeCurrentUser(user: CurrentUser): Uint8Array {
	const names = user.usernames.map((u) => tlBytes(new TextEncoder().encode(u)));
	const size = 16 + (names.length > 0 ? 4 : 0) + names.reduce((n, b) => n + b.length, 0);
	const out = new Uint8Array(size);
	const v = view(out);
	const flags = (user.isBot ? 1 : 0) | (names.length > 0 ? 2 : 0) | (user.isPremium ? 4 : 0);
	v.setInt32(0, 1, true);
	v.setInt32(4, flags, true);
	v.setBigInt64(8, BigInt(user.userId), true);
	let o = 16;
	if (names.length > 0) {
		v.setInt32(o, names.length, true);
		o += 4;
		for (const b of names) {
			out.set(b, o);
			o += b.length;
		}
	}
	return out;
}

/** The user id and bot flag of a stored `current_user` (a 0-byte value means logged out). */
export function parseCurrentUser(
	data: Uint8Array | null,
): { userId: number; isBot: boolean } | null {
	if (!data || data.length < 16) return null;
	const v = view(data);
	if (v.getInt32(0, true) !== 1) return null;
	const userId = Number(v.getBigInt64(8, true));
	if (!Number.isSafeInteger(userId)) return null;
	return { userId, isBot: (v.getInt32(4, true) & 1) !== 0 };
}
