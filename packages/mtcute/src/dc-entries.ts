import {
	type DcEntry,
	DcFlags,
	defaultDcAddress,
	formatDcAddress,
	type PersistedSession,
	parseDcAddress,
	SecretBytes,
} from "@x/session-core";
import { type BasicDcOption, parseDcOption } from "./codec.js";

// mtcute keeps its DCs as serialized options in key-value data; other readers of the session
// find them as typed DC entries carrying the auth key.

/** A typed DC entry; the key only when it is a 256-byte auth key. */
export function entryAt(
	dcId: number,
	addr: string,
	key: Uint8Array | null,
	flags: number,
): DcEntry {
	return {
		dcId,
		addr,
		authKey: key && key.length === 256 ? new SecretBytes(key) : null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: flags | (addr.startsWith("[") ? DcFlags.IPV6 : 0),
	};
}

/** mtcute's DC option as a typed entry, or `null` when its address is no socket address. */
export function dcEntryOf(dc: BasicDcOption, key: Uint8Array | null): DcEntry | null {
	if (!Number.isInteger(dc.port) || dc.port < 1 || dc.port > 65535) return null;
	const addr = formatDcAddress(dc.ipAddress, dc.port);
	if (!parseDcAddress(addr)) return null;
	return entryAt(dc.id, addr, key, dc.mediaOnly ? DcFlags.MEDIA_ONLY : DcFlags.NONE);
}

/** The typed DC entry carrying `key`: at mtcute's main address for its DC, else the default one. */
export function dcEntryFor(
	dc: number,
	key: Uint8Array | null,
	dcMain: Uint8Array | null,
): DcEntry | null {
	const main = parseDcOption(dcMain);
	if (main && main.id === dc && !main.mediaOnly) return dcEntryOf(main, key);
	const addr = Number.isInteger(dc) ? defaultDcAddress(dc) : undefined;
	return addr ? entryAt(dc, addr, key, DcFlags.NONE) : null;
}

/** The home DC's main entry (one with a key first) and its media-only entry, same IP family preferred. */
export function homeEntries(session: PersistedSession): { main?: DcEntry; media?: DcEntry } {
	const own = session.dcs.filter((d) => d.dcId === session.homeDcId && !(d.flags & DcFlags.CDN));
	const mains = own.filter((d) => !(d.flags & DcFlags.MEDIA_ONLY));
	const main = mains.find((d) => d.authKey) ?? mains[0];
	const medias = own.filter((d) => d.flags & DcFlags.MEDIA_ONLY);
	const media =
		medias.find((d) => (d.flags & DcFlags.IPV6) === ((main?.flags ?? 0) & DcFlags.IPV6)) ??
		medias[0];
	return { ...(main ? { main } : {}), ...(media ? { media } : {}) };
}
