import { base64Decode, base64Encode } from "../codec/base64.js";
import { AUTH_KEY_LENGTH } from "../codec/binary.js";
import { ByteReader, ByteWriter, check } from "../codec/bytes.js";
import { dcFor, formatDcAddress, parseDcAddress } from "../dc-slots.js";
import { CorruptSessionError, SessionBackendError, UnsupportedVersionError } from "../errors.js";
import { SecretBytes } from "../secret.js";
import { emptySession } from "../session.js";
import { DcFlags, type PersistedSession } from "../types.js";
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "./ip.js";
import { trimSessionString } from "./trim.js";

const BACKEND = "codec";

/** ferogram's compact string (`string_session.rs`): one DC, its key and the user id. Big-endian. */
export interface CompactSession {
	/** 2 (the default written) or 1 ("full", with salt, seq_no and layer). */
	version: 1 | 2;
	/** u8. */
	dcId: number;
	/** IPv4 dotted or IPv6 text, without brackets. */
	ip: string;
	port: number;
	userId: bigint;
	authKey: SecretBytes;
	/** V1 only. */
	serverSalt?: bigint;
	/** V1 only (u32). */
	seqNo?: number;
	/** V1 only (u32). */
	layer?: number;
}

/** Encodes a compact string. V1 needs serverSalt, seqNo and layer (missing ones are written as 0). */
export function encodeCompactString(compact: CompactSession): string {
	check.int(compact.dcId, 0, 255, "compact dcId", BACKEND);
	check.int(compact.port, 0, 65535, "compact port", BACKEND);
	check.i64(compact.userId, "compact userId", BACKEND);
	if (compact.authKey.length !== AUTH_KEY_LENGTH) {
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`compact auth key must be ${AUTH_KEY_LENGTH} bytes`,
			{
				backend: BACKEND,
			},
		);
	}
	const v4 = parseIpv4(compact.ip);
	const ip = v4 ?? parseIpv6(compact.ip);
	if (!ip) {
		throw new SessionBackendError("INVALID_ARGUMENT", "compact ip is neither IPv4 nor IPv6 text", {
			backend: BACKEND,
		});
	}
	const full = compact.version === 1;
	if (full) {
		check.i64(compact.serverSalt ?? 0n, "compact serverSalt", BACKEND);
		check.int(compact.seqNo ?? 0, 0, 0xffffffff, "compact seqNo", BACKEND);
		check.int(compact.layer ?? 0, 0, 0xffffffff, "compact layer", BACKEND);
	}
	const w = new ByteWriter(3 + ip.length + 2 + 8 + (full ? 16 : 0) + AUTH_KEY_LENGTH, false);
	w.u8(full ? 1 : 2);
	w.u8(compact.dcId);
	w.u8(v4 ? 4 : 6);
	w.raw(ip);
	w.u16(compact.port);
	w.i64(compact.userId);
	if (full) {
		w.i64(compact.serverSalt ?? 0n);
		w.u32(compact.seqNo ?? 0);
		w.u32(compact.layer ?? 0);
	}
	compact.authKey.read((k) => w.raw(k));
	return base64Encode(w.bytes);
}

/** Decodes a compact string (V1 or V2). Trailing bytes are ignored, as in the reference. */
export function decodeCompactString(
	text: string,
	options: { lenient?: boolean } = {},
): CompactSession {
	if (typeof text !== "string") {
		throw new SessionBackendError("INVALID_ARGUMENT", "session string must be a string", {
			backend: BACKEND,
		});
	}
	const bytes = base64Decode(trimSessionString(text), {
		lenient: options.lenient === true,
		what: "compact session string",
	});
	if (bytes.length === 0)
		throw new CorruptSessionError("empty compact session string", { backend: BACKEND });
	const r = new ByteReader(bytes, { littleEndian: false, backend: BACKEND });
	const version = r.u8("version");
	if (version !== 1 && version !== 2) {
		throw new UnsupportedVersionError(version, `unsupported compact session version ${version}`, {
			backend: BACKEND,
		});
	}
	const dcId = r.u8("dc_id");
	const ipType = r.u8("ip_type");
	if (ipType !== 4 && ipType !== 6) {
		throw new CorruptSessionError(`unknown ip type ${ipType} in compact session string`, {
			backend: BACKEND,
		});
	}
	const ipBytes = r.take(ipType === 4 ? 4 : 16, "ip");
	const ip = ipType === 4 ? formatIpv4(ipBytes) : formatIpv6(ipBytes);
	const port = r.u16("port");
	const userId = r.i64("user_id");
	if (version === 1) {
		const serverSalt = r.i64("server_salt");
		const seqNo = r.u32("seq_no");
		const layer = r.u32("layer");
		const authKey = new SecretBytes(r.take(AUTH_KEY_LENGTH, "auth_key"));
		return { version: 1, dcId, ip, port, userId, authKey, serverSalt, seqNo, layer };
	}
	const authKey = new SecretBytes(r.take(AUTH_KEY_LENGTH, "auth_key"));
	return { version: 2, dcId, ip, port, userId, authKey };
}

/**
 * A session from a compact string, as the reference builds it: home DC = dcId, one DC entry
 * with the key, the V1 salt (or 0), flags IPV6 or NONE. The user id, seq_no and layer stay
 * on the {@link CompactSession} (the reference drops them: FORMAT.md §8.10).
 */
export function compactToSession(compact: CompactSession): PersistedSession {
	const session = emptySession();
	session.homeDcId = compact.dcId;
	const ipv6 = parseIpv4(compact.ip) === undefined;
	session.dcs.push({
		dcId: compact.dcId,
		addr: formatDcAddress(compact.ip, compact.port),
		authKey: compact.authKey,
		firstSalt: compact.serverSalt ?? 0n,
		timeOffset: 0,
		flags: ipv6 ? DcFlags.IPV6 : DcFlags.NONE,
	});
	return session;
}

/**
 * The compact V2 form of a session: the home DC's IPv4 entry (else its first entry), which must
 * have an auth key and a parseable address. `undefined` when the session has no such DC or the
 * home DC id does not fit a byte; callers then use the native string.
 */
export function compactFromSession(
	session: PersistedSession,
	userId: bigint,
): CompactSession | undefined {
	if (session.homeDcId < 0 || session.homeDcId > 255) return undefined;
	const dc = dcFor(session, session.homeDcId, false);
	const addr = dc && parseDcAddress(dc.addr);
	if (!dc?.authKey || !addr) return undefined;
	if (!parseIpv4(addr.ip) && !parseIpv6(addr.ip)) return undefined;
	return {
		version: 2,
		dcId: session.homeDcId,
		ip: addr.ip,
		port: addr.port,
		userId,
		authKey: dc.authKey,
	};
}
