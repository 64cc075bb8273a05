// The Redis Cluster hash slot of a key (CRC16/XMODEM of the key, or of its first non-empty
// {hash tag}, modulo 16384): the lease renewer groups sessions by the node serving them
// without asking the cluster.

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
	let c = i << 8;
	for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
	TABLE[i] = c;
}

/** The hash slot (0–16383) of `key`. */
export function keySlot(key: string): number {
	const open = key.indexOf("{");
	if (open >= 0) {
		const close = key.indexOf("}", open + 1);
		if (close > open + 1) key = key.slice(open + 1, close);
	}
	let crc = 0;
	for (const b of Buffer.from(key, "utf8"))
		crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ b) & 0xff] as number);
	return crc % 16384;
}
