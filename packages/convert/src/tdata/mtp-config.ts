// The account's MTP config (`<account folder>/configs`, encrypted with the local key): a Qt byte
// array holding Desktop's serialized config. It is the only place Desktop keeps the environment
// (the MTP authorization has no such field): format version 1, then 0 production or 1 test, then
// the DC options and the server limits, Desktop's cache of help.getConfig. Without a readable
// file (missing, another version, cut short) Desktop runs the account on production.
import { Reader, Writer } from "../bytes.js";
import { writeQBytes } from "./qt-bytes.js";

/** Telegram's two environments, as Desktop's config names them. */
export type TdataEnvironment = "production" | "test";

/** The config format version Desktop reads (it ignores a file with any other). */
const CONFIG_VERSION = 1;
/** Desktop's environment numbers. */
const ENVIRONMENT = { production: 0, test: 1 } as const;
/** The DC options' own format version, stored negated (older files began with the count). */
const DC_OPTIONS_VERSION = 2;
/** dcOption flags: `ipv6` and `static` (an address built into the app). */
const FLAG_IPV6 = 1 << 0;
const FLAG_STATIC = 1 << 4;

/**
 * The test DCs built into Desktop, in the order it serializes them (by DC id, IPv4 first).
 * Desktop replaces them with the server's list after its first help.getConfig.
 */
const TEST_DC_OPTIONS: readonly { dcId: number; ipv6: boolean; ip: string }[] = [
	{ dcId: 1, ipv6: false, ip: "149.154.175.10" },
	{ dcId: 1, ipv6: true, ip: "2001:0b28:f23d:f001:0000:0000:0000:000e" },
	{ dcId: 2, ipv6: false, ip: "149.154.167.40" },
	{ dcId: 2, ipv6: true, ip: "2001:067c:04e8:f002:0000:0000:0000:000e" },
	{ dcId: 3, ipv6: false, ip: "149.154.175.117" },
	{ dcId: 3, ipv6: true, ip: "2001:0b28:f23d:f003:0000:0000:0000:000e" },
];
const TEST_DC_PORT = 443;

/**
 * The fields Desktop requires after the DC options, at the defaults of its test-environment config
 * (what it holds before the server sends its own): 19 ints, a string, 6 ints, a string, 3 ints.
 * The optional tail (default reaction, rating decay, bot usernames) is left out: Desktop reads it
 * only when present and otherwise takes its test-environment defaults.
 */
const TEST_CONFIG_FIELDS: readonly (number | string)[] = [
	200, // chat size max
	10000, // megagroup size max
	100, // forwarded count max
	120000, // online update period, ms
	5000, // offline blur timeout, ms
	30000, // offline idle timeout, ms
	1000, // online focus timeout, ms
	300000, // online cloud timeout, ms
	30000, // notify cloud delay, ms
	1500, // notify default delay, ms
	0, // legacy saved GIFs limit
	172800, // edit time limit, s
	172800, // revoke time limit, s
	172800, // revoke private time limit, s
	0, // revoke private inbox (bool)
	30, // recent stickers limit
	0, // legacy faved stickers limit
	0, // legacy pinned dialogs max
	0, // legacy pinned dialogs in folder max
	"https://t.me/", // internal links domain
	604800, // channels read media period, s
	20000, // call receive timeout, ms
	90000, // call ring timeout, ms
	30000, // call connect timeout, ms
	10000, // call packet timeout, ms
	2, // web file DC id (2 on test, 4 on production)
	"tapv3.stel.com", // DNS-over-HTTPS fallback domain of the test environment
	1, // legacy phone calls enabled (bool)
	0, // blocked mode (bool)
	1024, // caption length max
];

/** A QDataStream QString: byte length, then UTF-16 big-endian. */
function writeQString(writer: Writer, text: string): void {
	writer.u32be(text.length * 2);
	for (let i = 0; i < text.length; i++) writer.u16be(text.charCodeAt(i));
}

function testDcOptions(): Uint8Array {
	const w = new Writer().u32be(-DC_OPTIONS_VERSION >>> 0).u32be(TEST_DC_OPTIONS.length);
	for (const { dcId, ipv6, ip } of TEST_DC_OPTIONS) {
		w.u32be(dcId)
			.u32be(FLAG_STATIC | (ipv6 ? FLAG_IPV6 : 0))
			.u32be(TEST_DC_PORT);
		writeQBytes(w, new TextEncoder().encode(ip));
		w.u32be(0); // no MTProxy secret
	}
	return w.u32be(0).bytes; // no CDN public keys
}

/**
 * The plaintext of a configs file that puts the account on the test environment: Desktop's
 * smallest config it accepts, with its built-in test DCs and default limits.
 */
export function encodeTestMtpConfig(): Uint8Array {
	const config = new Writer().u32be(CONFIG_VERSION).u32be(ENVIRONMENT.test);
	writeQBytes(config, testDcOptions());
	for (const field of TEST_CONFIG_FIELDS)
		if (typeof field === "string") writeQString(config, field);
		else config.u32be(field);
	return writeQBytes(new Writer(), config.bytes).bytes;
}

/** Qt's marker of a null byte array or string (read as empty). */
const QT_NULL = 0xffffffff;
/** Desktop's bounds on a DC option's address and MTProxy secret. */
const MAX_IP_BYTES = 45;
const MAX_SECRET_BYTES = 32;

/** A Qt byte array or string (null as empty); a string's UTF-16 length must be even. */
function skipQ(r: Reader, field: string, utf16 = false): Uint8Array {
	const length = r.u32be(`${field} length`);
	if (length === QT_NULL) return new Uint8Array(0);
	if (utf16 && length % 2 === 1) throw new RangeError(`${field}: odd UTF-16 length`);
	return r.take(length, field);
}

/** Whether Desktop takes these DC options (its bounds; the CDN keys only by their layout). */
function checkDcOptions(bytes: Uint8Array): void {
	const r = new Reader(bytes, "DC options");
	const first = r.u32be("version") | 0;
	const version = first < 0 ? -first : 0;
	const count = version > 0 ? r.u32be("count") | 0 : first;
	if (count < 0) throw new RangeError("DC option count");
	for (let i = 0; i < count; i++) {
		r.take(12, "DC id, flags, port");
		const ipBytes = r.u32be("address length") | 0;
		if (ipBytes <= 0 || ipBytes > MAX_IP_BYTES) throw new RangeError("address length");
		r.take(ipBytes, "address");
		if (version === 0) continue;
		const secretBytes = r.u32be("secret length") | 0;
		if (secretBytes < 0 || secretBytes > MAX_SECRET_BYTES) throw new RangeError("secret length");
		r.take(secretBytes, "secret");
	}
	if (r.remaining === 0 || version < 2) return;
	const keys = r.u32be("CDN key count") | 0;
	if (keys < 0) throw new RangeError("CDN key count");
	for (let i = 0; i < keys; i++) {
		r.take(4, "CDN DC id");
		skipQ(r, "CDN key modulus");
		skipQ(r, "CDN key exponent");
	}
}

/**
 * The environment of a decrypted configs file, or `null` when Desktop would not take the file and
 * so runs the account on production: another format version, an unknown environment, a field
 * cut short, DC options out of its bounds. The values themselves are Desktop's cache, not read.
 */
export function readEnvironment(plain: Uint8Array): TdataEnvironment | null {
	try {
		const r = new Reader(skipQ(new Reader(plain, "MTP config"), "config"), "MTP config");
		if (r.u32be("config version") !== CONFIG_VERSION) return null;
		const environment = r.u32be("environment");
		if (environment !== ENVIRONMENT.production && environment !== ENVIRONMENT.test) return null;
		checkDcOptions(skipQ(r, "DC options"));
		// the required fields, shaped as the list written for a test account
		for (const field of TEST_CONFIG_FIELDS)
			if (typeof field === "string") skipQ(r, "config string", true);
			else r.take(4, "config value");
		// the optional tail, in the groups Desktop reads each whole when anything is left
		if (r.remaining > 0) {
			skipQ(r, "default reaction", true);
			r.take(8, "default custom reaction");
		}
		if (r.remaining > 0) r.take(4, "rating decay");
		if (r.remaining > 0) {
			skipQ(r, "GIF search bot", true);
			skipQ(r, "venue search bot", true);
		}
		return environment === ENVIRONMENT.test ? "test" : "production";
	} catch {
		return null;
	}
}
