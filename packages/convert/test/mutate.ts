// Byte mutations shared by the fuzz tests: bit flips, special values, truncation, insertion and
// deletion, one to four per input, driven by a seeded random source.

/** One to four edits of `bytes` (a new buffer); `specials` are the values written in place. */
export function mutateBytes(
	bytes: Buffer,
	next: () => number,
	specials: readonly number[],
): Buffer {
	let out = Buffer.from(bytes);
	for (let e = 0; e < 1 + (next() % 4); e++) {
		const at = out.length === 0 ? 0 : next() % out.length;
		switch (next() % 5) {
			case 0:
				if (out.length) out[at] = (out[at] as number) ^ (1 << (next() % 8));
				break;
			case 1:
				if (out.length) out[at] = specials[next() % specials.length] as number;
				break;
			case 2:
				out = out.subarray(0, at);
				break;
			case 3:
				out = Buffer.concat([
					out.subarray(0, at),
					Buffer.from(Array.from({ length: 1 + (next() % 16) }, () => next() & 0xff)),
					out.subarray(at),
				]);
				break;
			default:
				out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + (next() % 32))]);
		}
	}
	return out;
}
