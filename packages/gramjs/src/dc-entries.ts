import { type DcEntry, DcFlags, SecretBytes } from "@x/session-core";

/** DC entries GramJS never connects to for its session. */
export function isServiceDc(dc: DcEntry): boolean {
	return (dc.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)) !== 0;
}

/** The home DC's entry: not media-only or CDN, one with a key first. */
export function homeEntry(dcs: readonly DcEntry[], homeDcId: number): DcEntry | undefined {
	const candidates = dcs.filter((d) => d.dcId === homeDcId && !isServiceDc(d));
	return candidates.find((d) => d.authKey) ?? candidates[0];
}

/**
 * The DC entry to store: its address and its key as they are now. A key that is not 256 bytes
 * (none yet, or not filled in) is stored as none; GramJS has no salts or time offsets to keep.
 */
export function dcEntryOf(dcId: number, addr: string, key: Buffer | undefined): DcEntry {
	return {
		dcId,
		addr,
		authKey: key && key.length === 256 ? new SecretBytes(new Uint8Array(key)) : null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: addr.startsWith("[") ? DcFlags.IPV6 : DcFlags.NONE,
	};
}
