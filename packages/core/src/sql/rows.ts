import { AUTH_KEY_LENGTH } from "../codec/format.js";
import { CorruptSessionError } from "../errors.js";
import { SecretBytes } from "../secret.js";
import { DC_SLOT_MASK } from "../session.js";
import type { CachedMinPeer, CachedPeer, ChannelKind, DcEntry, PeerKind } from "../types.js";
import type { SqlRow, SqlValue } from "./driver.js";

export const PEER_KINDS: readonly PeerKind[] = ["user", "chat", "channel", "community"];
export const CHANNEL_KINDS: readonly ChannelKind[] = ["broadcast", "megagroup", "gigagroup"];

/** Reads rows strictly: a value of the wrong type or range is corrupt data, never dropped (B9). */
export class RowReader {
	constructor(
		private readonly backend: string,
		private readonly where: string,
	) {}

	corrupt(what: string): CorruptSessionError {
		return new CorruptSessionError(`${this.where}: ${what}`, { backend: this.backend });
	}

	i64(row: SqlRow, column: string): bigint {
		const v = row[column];
		if (typeof v === "bigint") return BigInt.asIntN(64, v) === v ? v : this.fail(column, v);
		if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
		return this.fail(column, v);
	}

	i32(row: SqlRow, column: string): number {
		const v = this.i64(row, column);
		if (v < -2147483648n || v > 2147483647n) return this.fail(column, v);
		return Number(v);
	}

	byte(row: SqlRow, column: string): number {
		const v = this.i32(row, column);
		return v >= 0 && v <= 255 ? v : this.fail(column, v);
	}

	text(row: SqlRow, column: string): string {
		const v = row[column];
		return typeof v === "string" ? v : this.fail(column, v);
	}

	blob(row: SqlRow, column: string): Uint8Array | null {
		const v = row[column];
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
	const kind = PEER_KINDS[r.byte(row, "kind")];
	if (!kind) throw r.corrupt(`unknown peer kind ${String(row.kind)}`);
	const ck = row.channel_kind === null ? null : CHANNEL_KINDS[r.byte(row, "channel_kind")];
	if (ck === undefined) throw r.corrupt(`unknown channel kind ${String(row.channel_kind)}`);
	return { kind, id: r.i64(row, "id"), accessHash: r.i64(row, "access_hash"), channelKind: ck };
}

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
