import { type DcEntry, DcFlags } from "./types.js";

/** Production DC addresses, port 443 (IPv4 as in the reference; IPv6 as published by other clients). */
export const DEFAULT_DC_ADDRESSES: Readonly<
	Record<1 | 2 | 3 | 4 | 5, { ipv4: string; ipv6: string }>
> = {
	1: { ipv4: "149.154.175.53:443", ipv6: "[2001:b28:f23d:f001::a]:443" },
	2: { ipv4: "149.154.167.51:443", ipv6: "[2001:67c:4e8:f002::a]:443" },
	3: { ipv4: "149.154.175.100:443", ipv6: "[2001:b28:f23d:f003::a]:443" },
	4: { ipv4: "149.154.167.91:443", ipv6: "[2001:67c:4e8:f004::a]:443" },
	5: { ipv4: "91.108.56.130:443", ipv6: "[2001:b28:f23f:f005::a]:443" },
};

/** The default address of a production DC, or `undefined` for an unknown DC. */
export function defaultDcAddress(dcId: number, ipv6 = false): string | undefined {
	const entry = DEFAULT_DC_ADDRESSES[dcId as 1 | 2 | 3 | 4 | 5];
	return entry && (ipv6 ? entry.ipv6 : entry.ipv4);
}

/** DC entries without keys for DCs 1–5, IPv4 first and, with `ipv6`, the IPv6 entries after. */
export function defaultDcTable(options: { ipv6?: boolean } = {}): DcEntry[] {
	const ids = [1, 2, 3, 4, 5] as const;
	const entry = (dcId: number, addr: string, flags: number): DcEntry => ({
		dcId,
		addr,
		authKey: null,
		firstSalt: 0n,
		timeOffset: 0,
		flags,
	});
	const v4 = ids.map((id) => entry(id, DEFAULT_DC_ADDRESSES[id].ipv4, DcFlags.NONE));
	if (!options.ipv6) return v4;
	return [...v4, ...ids.map((id) => entry(id, DEFAULT_DC_ADDRESSES[id].ipv6, DcFlags.IPV6))];
}
