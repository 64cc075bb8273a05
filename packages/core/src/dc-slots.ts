import { type DcEntry, DcFlags, type PersistedSession } from "./types.js";

/** The bits that tell DC entries of one `dcId` apart: IPv6, media-only and CDN. */
export const DC_SLOT_MASK: number = DcFlags.IPV6 | DcFlags.MEDIA_ONLY | DcFlags.CDN;

/**
 * Two DC entries are the same slot when their `dcId` and their IPv6, media-only and CDN bits
 * match. (The reference matches on the IPv6 bit alone in memory and on the whole flags byte in
 * SQL, so a media entry could replace the main one; we keep them apart and ignore the
 * TCPO-only and static attribute bits.)
 */
export function sameDcSlot(
	a: Pick<DcEntry, "dcId" | "flags">,
	b: Pick<DcEntry, "dcId" | "flags">,
): boolean {
	return a.dcId === b.dcId && (a.flags & DC_SLOT_MASK) === (b.flags & DC_SLOT_MASK);
}

/** Replaces the entry in the same slot (see {@link sameDcSlot}) or appends. Mutates `session`. */
export function upsertDc(session: PersistedSession, dc: DcEntry): void {
	const i = session.dcs.findIndex((d) => sameDcSlot(d, dc));
	if (i >= 0) session.dcs[i] = { ...dc };
	else session.dcs.push({ ...dc });
}

/**
 * The first entry for `dcId` whose IPv6 bit matches `preferIpv6`, else the first entry for
 * `dcId` (which may be media or CDN), else `undefined`.
 */
export function dcFor(
	session: PersistedSession,
	dcId: number,
	preferIpv6 = false,
): DcEntry | undefined {
	const all = allDcsFor(session, dcId);
	return all.find((d) => ((d.flags & DcFlags.IPV6) !== 0) === preferIpv6) ?? all[0];
}

/** Every entry for `dcId`, in table order. */
export function allDcsFor(session: PersistedSession, dcId: number): DcEntry[] {
	return session.dcs.filter((d) => d.dcId === dcId);
}

/** Builds an address: `ip:port`, or `[ip]:port` when the IP contains `:`. */
export function formatDcAddress(ip: string, port: number): string {
	return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits `ip:port` / `[ip6]:port`; `undefined` when it does not parse. */
export function parseDcAddress(addr: string): { ip: string; port: number } | undefined {
	const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(addr) ?? /^([^:[\]]+):(\d{1,5})$/.exec(addr);
	if (!m) return undefined;
	const port = Number(m[2]);
	return port <= 65535 ? { ip: m[1] as string, port } : undefined;
}
