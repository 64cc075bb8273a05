import { AUTH_KEY_LENGTH } from "../codec/format.js";
import { DC_SLOT_MASK } from "../dc-slots.js";
import { CorruptSessionError } from "../errors.js";
import { CHANNEL_KIND_CODE, SQL_PEER_KIND } from "../kinds.js";
import { SecretBytes } from "../secret.js";
import type { CachedMinPeer, CachedPeer, ChannelKind, DcEntry, PeerKind } from "../types.js";
import type { SqlRow, SqlValue } from "./driver.js";

/**
 * Peer kinds at their stored `kind` code and channel kinds at their `channel_kind` code (the
 * explicit tables in kinds.ts): `PEER_KINDS.indexOf(kind)` is the code, `PEER_KINDS[code]` the kind.
 */
export const PEER_KINDS: readonly PeerKind[] = SQL_PEER_KIND.byCode;
export const CHANNEL_KINDS: readonly ChannelKind[] = CHANNEL_KIND_CODE.byCode;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/**
 * Reads rows strictly: a value of the wrong type or range is corrupt data, never dropped (FORMAT.md §8.9).
 * Each check has a form over a row and a column name, and one over a value already taken from
 * a row (`…Of`, the column named for the message).
 */
export class RowReader {
	constructor(
		private readonly backend: string,
		private readonly where: string,
	) {}

	corrupt(what: string): CorruptSessionError {
		return new CorruptSessionError(`${this.where}: ${what}`, { backend: this.backend });
	}

	i64(row: SqlRow, column: string): bigint {
		return this.i64Of(row[column], column);
	}

	i64Of(v: SqlValue | undefined, column: string): bigint {
		if (typeof v === "bigint") return v >= I64_MIN && v <= I64_MAX ? v : this.fail(column, v);
		if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
		return this.fail(column, v);
	}

	i32(row: SqlRow, column: string): number {
		return this.i32Of(row[column], column);
	}

	i32Of(value: SqlValue | undefined, column: string): number {
		const v = this.i64Of(value, column);
		if (v < -2147483648n || v > 2147483647n) return this.fail(column, v);
		return Number(v);
	}

	byte(row: SqlRow, column: string): number {
		return this.byteOf(row[column], column);
	}

	byteOf(value: SqlValue | undefined, column: string): number {
		// the usual value, at once; anything else through the full checks (and their messages)
		if (typeof value === "bigint" && value >= 0n && value <= 255n) return Number(value);
		const v = this.i32Of(value, column);
		return v >= 0 && v <= 255 ? v : this.fail(column, v);
	}

	text(row: SqlRow, column: string): string {
		return this.textOf(row[column], column);
	}

	textOf(v: SqlValue | undefined, column: string): string {
		return typeof v === "string" ? v : this.fail(column, v);
	}

	blob(row: SqlRow, column: string): Uint8Array | null {
		return this.blobOf(row[column], column);
	}

	blobOf(v: SqlValue | undefined, column: string): Uint8Array | null {
		if (v === null || v === undefined) return null;
		if (v instanceof Uint8Array) return v;
		if ((v as unknown) instanceof ArrayBuffer) return new Uint8Array(v as unknown as ArrayBuffer);
		return this.fail(column, v);
	}

	private fail(column: string, value: unknown): never {
		const shown =
			typeof value === "bigint" || typeof value === "number" ? String(value) : typeof value;
		throw this.corrupt(`column ${column} holds an invalid value (${shown})`);
	}
}

/** An auth key column: 256 bytes, or an encrypted envelope (see withEncryptedSecrets). */
export function authKeyOf(r: RowReader, row: SqlRow, dcId: number): SecretBytes | null {
	const bytes = r.blob(row, "auth_key");
	if (bytes === null) return null;
	const envelope = bytes.length > 6 && bytes[0] === 0x58 && bytes[1] === 0x53 && bytes[2] === 0x45;
	if (bytes.length !== AUTH_KEY_LENGTH && !envelope)
		throw r.corrupt(`the auth key of DC ${dcId} is ${bytes.length} bytes, not ${AUTH_KEY_LENGTH}`);
	return new SecretBytes(bytes);
}

export function dcFromRow(r: RowReader, row: SqlRow): DcEntry {
	const dcId = r.i32(row, "dc_id");
	return {
		dcId,
		addr: r.text(row, "addr"),
		authKey: authKeyOf(r, row, dcId),
		firstSalt: r.i64(row, "first_salt"),
		timeOffset: r.i32(row, "time_offset"),
		flags: r.byte(row, "flags"),
	};
}

export function dcParams(sessionId: string, dc: DcEntry): SqlValue[] {
	return [
		sessionId,
		dc.dcId,
		dc.flags & DC_SLOT_MASK,
		dc.flags,
		dc.addr,
		dc.authKey ? dc.authKey.expose() : null,
		dc.firstSalt,
		dc.timeOffset,
	];
}

export function peerFromRow(r: RowReader, row: SqlRow): CachedPeer {
	return peerOf(r, row.kind, row.id, row.access_hash, row.channel_kind);
}

/** A peer from its row as values: `kind, id, access_hash, channel_kind`. */
export function peerFromValues(r: RowReader, v: readonly SqlValue[]): CachedPeer {
	return peerOf(r, v[0], v[1], v[2], v[3]);
}

/**
 * Peers from rows as arrays of values (a driver's `allValues`), each read by `read`, into an
 * array of the final length: the full load of a million peers.
 */
export function peersFromValues(
	r: RowReader,
	rows: readonly (readonly SqlValue[])[],
	read: (r: RowReader, v: readonly SqlValue[]) => CachedPeer = peerFromValues,
): CachedPeer[] {
	const peers: CachedPeer[] = new Array(rows.length);
	for (let i = 0; i < rows.length; i++) peers[i] = read(r, rows[i] as readonly SqlValue[]);
	return peers;
}

/** A peer from the values of its columns `kind`, `id`, `access_hash` and `channel_kind`. */
export function peerOf(
	r: RowReader,
	kindValue: SqlValue | undefined,
	id: SqlValue | undefined,
	accessHash: SqlValue | undefined,
	channelKind: SqlValue | undefined,
): CachedPeer {
	const kind = PEER_KINDS[r.byteOf(kindValue, "kind")];
	if (!kind) throw r.corrupt(`unknown peer kind ${String(kindValue)}`);
	const ck = channelKind === null ? null : CHANNEL_KINDS[r.byteOf(channelKind, "channel_kind")];
	if (ck === undefined) throw r.corrupt(`unknown channel kind ${String(channelKind)}`);
	return {
		kind,
		id: r.i64Of(id, "id"),
		accessHash: r.i64Of(accessHash, "access_hash"),
		channelKind: ck,
	};
}

/** The parameters of one peer row, in the column order of the peers table (kind as its stored code). */
export function peerParams(sessionId: string, p: CachedPeer): SqlValue[] {
	const kind = PEER_KINDS.indexOf(p.kind);
	return [
		sessionId,
		kind,
		p.id,
		p.accessHash,
		p.channelKind === null ? null : CHANNEL_KINDS.indexOf(p.channelKind),
	];
}

export function minPeerFromRow(r: RowReader, row: SqlRow): CachedMinPeer {
	return {
		userId: r.i64(row, "user_id"),
		peerId: r.i64(row, "peer_id"),
		msgId: r.i32(row, "msg_id"),
	};
}
