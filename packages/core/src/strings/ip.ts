/** IPv4 dotted text → 4 bytes, or `undefined`. */
export function parseIpv4(text: string): Uint8Array | undefined {
	// by character codes: four parts of 1 to 3 digits, no leading zero, each at most 255
	const out = new Uint8Array(4);
	let part = 0;
	let value = 0;
	let digits = 0;
	for (let i = 0; i <= text.length; i++) {
		const c = i < text.length ? text.charCodeAt(i) : 46; /* . */
		if (c === 46) {
			if (digits === 0 || part > 3) return undefined;
			out[part++] = value;
			value = 0;
			digits = 0;
		} else if (c >= 48 && c <= 57) {
			if (digits > 0 && value === 0) return undefined; // a leading zero
			value = value * 10 + (c - 48);
			if (++digits > 3 || value > 255) return undefined;
		} else return undefined;
	}
	return part === 4 ? out : undefined;
}

/** IPv6 text (with `::` and an optional embedded IPv4 tail) → 16 bytes, or `undefined`. */
export function parseIpv6(text: string): Uint8Array | undefined {
	let head = text;
	let v4: Uint8Array | undefined;
	const lastColon = text.lastIndexOf(":");
	if (text.includes(".", lastColon)) {
		v4 = parseIpv4(text.slice(lastColon + 1));
		if (!v4) return undefined;
		head = `${text.slice(0, lastColon + 1)}0:0`;
	}
	const halves = head.split("::");
	if (halves.length > 2) return undefined;
	const groups = (s: string) => (s === "" ? [] : s.split(":"));
	const left = groups(halves[0] as string);
	const right = halves.length === 2 ? groups(halves[1] as string) : [];
	const total = left.length + right.length;
	if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
	const words = [...left, ...new Array<string>(8 - total).fill("0"), ...right];
	const out = new Uint8Array(16);
	for (let i = 0; i < 8; i++) {
		const w = words[i] as string;
		if (!/^[0-9A-Fa-f]{1,4}$/.test(w)) return undefined;
		const n = Number.parseInt(w, 16);
		out[i * 2] = n >> 8;
		out[i * 2 + 1] = n & 255;
	}
	if (v4) out.set(v4, 12);
	return out;
}

/** Formats the first 4 bytes as dotted-quad IPv4 text, e.g. `149.154.167.51`. */
export function formatIpv4(bytes: Uint8Array): string {
	return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** RFC 5952 text, as Rust's `Ipv6Addr` prints it (IPv4-mapped as `::ffff:a.b.c.d`). */
export function formatIpv6(bytes: Uint8Array): string {
	const w: number[] = [];
	for (let i = 0; i < 8; i++)
		w.push(((bytes[i * 2] as number) << 8) | (bytes[i * 2 + 1] as number));
	if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff)
		return `::ffff:${formatIpv4(bytes.subarray(12))}`;
	let bestStart = -1;
	let bestLen = 0;
	for (let i = 0; i < 8; ) {
		if (w[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && w[j] === 0) j++;
		if (j - i > bestLen) {
			bestStart = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
	if (bestLen < 2) return hex(w);
	return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}
