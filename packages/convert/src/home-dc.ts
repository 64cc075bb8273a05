import {
	type DcEntry,
	DcFlags,
	emptySession,
	type PersistedSession,
	parseDcAddress,
	SecretBytes,
} from "@x/session-core";
import { parseIpv4, parseIpv6 } from "@x/session-core/backend";
import { invalid } from "./errors.js";

/** Which DC entry a one-DC format (Telethon, GramJS, Pyrogram, mtcute) exports. */
export interface HomeDcOptions {
	/** DC to export; default the session's home DC. */
	dcId?: number;
	/** Prefer the IPv6 entry of that DC (default: IPv4 first). */
	ipv6?: boolean;
}

/** The chosen entry, with its address split and its key present. */
export interface HomeDc {
	entry: DcEntry;
	ip: string;
	port: number;
	authKey: SecretBytes;
}

const AUTH_KEY_LENGTH = 256;

/**
 * Picks the entry a one-DC format exports: the home DC (or `dcId`), not media-only, not CDN, with an
 * auth key, IPv4 before IPv6 unless `ipv6`. Throws INVALID_ARGUMENT when there is none.
 */
export function pickHomeDc(
	session: PersistedSession,
	options: HomeDcOptions = {},
	format = "this format",
): HomeDc {
	const dcId = options.dcId ?? session.homeDcId;
	const usable = session.dcs.filter(
		(d) =>
			d.dcId === dcId && (d.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)) === 0 && d.authKey !== null,
	);
	const wantV6 = options.ipv6 === true;
	const entry = usable.find((d) => ((d.flags & DcFlags.IPV6) !== 0) === wantV6) ?? usable[0];
	if (!entry?.authKey) {
		throw invalid(`${format} needs an auth key: DC ${dcId} has no main entry with a key`);
	}
	if (entry.authKey.length !== AUTH_KEY_LENGTH)
		throw invalid(`DC ${dcId} auth key is not ${AUTH_KEY_LENGTH} bytes`);
	const addr = parseDcAddress(entry.addr);
	if (!addr) throw invalid(`DC ${dcId} address does not parse as ip:port`);
	return { entry, ip: addr.ip, port: addr.port, authKey: entry.authKey };
}

/** Packed bytes of an IPv4 or IPv6 literal, or `undefined` for anything else (e.g. a hostname). */
export function packIp(ip: string): Uint8Array | undefined {
	return parseIpv4(ip) ?? parseIpv6(ip);
}

/** True for an IPv6 literal. */
export function isIpv6Literal(text: string): boolean {
	return parseIpv4(text) === undefined && parseIpv6(text) !== undefined;
}

/** A DNS hostname as GramJS's browser default uses (letters, digits, `-`, dots; not all digits). */
export function isHostname(text: string): boolean {
	return (
		text.length <= 253 &&
		/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
			text,
		) &&
		!/^[0-9.]+$/.test(text)
	);
}

/** A session holding one DC entry (what every one-DC string format carries), home DC = that DC. */
export function oneDcSession(
	dcId: number,
	ip: string,
	port: number,
	key: Uint8Array | null,
	extraFlags = 0,
): PersistedSession {
	const session = emptySession();
	session.homeDcId = dcId;
	session.dcs.push({
		dcId,
		addr: ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`,
		authKey: key ? new SecretBytes(key) : null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: (isIpv6Literal(ip) ? DcFlags.IPV6 : DcFlags.NONE) | extraFlags,
	});
	return session;
}

/** True when every byte is zero (Telethon's "no key"). */
export function allZero(bytes: Uint8Array): boolean {
	for (const b of bytes) if (b !== 0) return false;
	return true;
}

export { AUTH_KEY_LENGTH };
