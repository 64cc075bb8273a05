import { makeKey } from "./helpers.js";

// Every vector below is assembled byte by byte from the format descriptions with Node's Buffer
// (an independent base64), not with the code under test.
export const KEY: Uint8Array = makeKey(1);
export const be16 = (n: number) => [(n >> 8) & 255, n & 255];
export const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
export const be64 = (n: bigint) =>
	Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(56 - 8 * i)) & 255n));
export const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
export const le64 = (n: bigint) =>
	Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
export const bytes = (...parts: (number[] | Uint8Array)[]) =>
	Buffer.concat(parts.map((p) => Buffer.from(p)));
export const ascii = (s: string) => [...Buffer.from(s, "ascii")];
export const V6 = [0x20, 0x01, 0x06, 0x7c, 0x04, 0xe8, 0xf0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x0a]; // 2001:67c:4e8:f002::a

// Python's urlsafe_b64encode: the URL-safe alphabet, with "=" padding.
export const urlsafePadded = (b: Buffer) =>
	b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
export const telethonV4 = `1${urlsafePadded(bytes([2, 149, 154, 167, 51], be16(443), KEY))}`; // 263 bytes
export const telethonV6 = `1${urlsafePadded(bytes([2], V6, be16(443), KEY))}`; // 275 bytes
export const gramjsV4 = `1${bytes([4], be16(14), ascii("149.154.167.91"), be16(80), KEY).toString("base64")}`;
export const gramjsHost = `1${bytes([4], be16(22), ascii("vesta.web.telegram.org"), be16(443), KEY).toString("base64")}`;
export const gramjsV6Text = "2001:067c:04e8:f002:0000:0000:0000:000a";
export const gramjsV6 = `1${bytes([2], be16(gramjsV6Text.length), ascii(gramjsV6Text), be16(443), KEY).toString("base64")}`;
export const pyroCurrent = bytes([2], be32(12345), [0], KEY, be64(5_000_000_000n), [0]).toString(
	"base64url",
);
export const pyroOld32 = bytes([3], [1], KEY, be32(777000), [1]).toString("base64url");
export const pyroOld64 = bytes([5], [0], KEY, be64(6_100_000_000n), [0]).toString("base64url");

export function tlString(s: string): number[] {
	const b = ascii(s);
	const pad = (4 - ((1 + b.length) % 4)) % 4;
	return [b.length, ...b, ...new Array(pad).fill(0)];
}
export function tlBytes(b: number[] | Uint8Array): number[] {
	const arr = [...b];
	if (arr.length <= 253) return tlString(String.fromCharCode(...arr));
	const pad = (4 - (arr.length % 4)) % 4;
	return [
		254,
		arr.length & 255,
		(arr.length >> 8) & 255,
		(arr.length >> 16) & 255,
		...arr,
		...new Array(pad).fill(0),
	];
}
export const basicDc = (id: number, flags: number, ip: string, port: number) => [
	2,
	id,
	flags,
	...tlString(ip),
	...le32(port),
];
export const mtcuteFull = bytes(
	[3],
	le32(1 | 4),
	tlBytes(basicDc(2, 0, "149.154.167.50", 443)),
	tlBytes(basicDc(2, 2, "149.154.167.222", 443)),
	le64(12345n),
	le32(0xbc799737),
	tlBytes(KEY),
).toString("base64url");
export const mtcuteV6Test = bytes(
	[3],
	le32(0),
	tlBytes(basicDc(2, 1 | 4, "2001:67c:4e8:f002::e", 443)),
	tlBytes(KEY),
).toString("base64url");
