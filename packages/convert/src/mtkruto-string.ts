// MTKruto (the Deno/browser MTProto client) string sessions: base64url of TDLib-style run-length
// encoded bytes (a zero byte is followed by how many zeros it stands for), holding two TL values:
// the DC as a string ("2", or "2-test" for the test environment) and the 256-byte auth key.
import { type PersistedSession, SecretBytes } from "@x/session-core";
import { Reader, Writer } from "./bytes.js";
import { corrupt, invalid } from "./errors.js";
import { AUTH_KEY_LENGTH, type HomeDcOptions, oneDcSession, pickHomeDc } from "./home-dc.js";
import { TDATA_EXTENSION_KEYS, tdataFactsOf } from "./tdata/account-session.js";
import { wellKnownDcAddress } from "./tdata/dc-addresses.js";
import type { Decoded, MtkrutoExtra } from "./types.js";

const WHAT = "MTKruto session string";
/** Far above any real string (~350 characters): bounds the work on foreign input. */
const MAX_TEXT = 4096;

/** base64url without padding (either alphabet and padding accepted on input), via atob/btoa. */
function fromBase64(text: string): Uint8Array {
	const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
	if (!/^[A-Za-z0-9+/]*$/.test(standard) || standard.length % 4 === 1)
		throw corrupt(`${WHAT} is not base64`);
	const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
	return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toBase64Url(bytes: Uint8Array): string {
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Expands TDLib's zero-run encoding; a zero with no count after it is corrupt. */
export function rleDecode(bytes: Uint8Array): Uint8Array {
	const out: number[] = [];
	for (let i = 0; i < bytes.length; i++) {
		const b = bytes[i] as number;
		if (b !== 0) {
			out.push(b);
			continue;
		}
		const count = bytes[++i];
		if (count === undefined) throw corrupt(`${WHAT}: a zero run has no length`);
		if (count === 0) throw corrupt(`${WHAT}: a zero run of length 0`);
		for (let j = 0; j < count; j++) out.push(0);
	}
	return new Uint8Array(out);
}

/** TDLib's zero-run encoding: each run of zeros becomes 0, length (runs split at 255). */
export function rleEncode(bytes: Uint8Array): Uint8Array {
	const out: number[] = [];
	let zeros = 0;
	const flush = () => {
		while (zeros > 0) {
			const n = Math.min(zeros, 255);
			out.push(0, n);
			zeros -= n;
		}
	};
	for (const b of bytes) {
		if (b === 0) zeros++;
		else {
			flush();
			out.push(b);
		}
	}
	flush();
	return new Uint8Array(out);
}

/** Decodes an MTKruto string: one DC at its well-known address, with the key. */
export function decodeMtkrutoString(text: string): Decoded<MtkrutoExtra> {
	if (typeof text !== "string") throw invalid("session string must be a string");
	const trimmed = text.trim();
	if (trimmed.length > MAX_TEXT) throw corrupt(`${WHAT} is longer than ${MAX_TEXT} characters`);
	const raw = fromBase64(trimmed);
	const r = new Reader(rleDecode(raw), WHAT);
	const dc = r.utf8(r.tlBytes("DC"), "DC");
	const key = r.tlBytes("auth key");
	r.end();
	const match = /^([1-9][0-9]{0,4})(-test)?$/.exec(dc);
	if (!match) throw corrupt(`${WHAT}: the DC field is not a DC id (optionally with -test)`);
	if (key.length !== AUTH_KEY_LENGTH)
		throw corrupt(`${WHAT}: the auth key is ${key.length} bytes, expected ${AUTH_KEY_LENGTH}`);
	const dcId = Number(match[1]);
	const testMode = match[2] !== undefined;
	const [ip, port] = splitAddr(wellKnownDcAddress(dcId, testMode, WHAT));
	const session = oneDcSession(dcId, ip, port, key);
	// the model has no test flag: a test account carries the tdata: extension value, so that
	// encoding to MTKruto or tdata (also through any store holding extensions) keeps it on the
	// test servers; production is what every encoder assumes without it
	if (testMode)
		session.extensions = new Map([
			[TDATA_EXTENSION_KEYS.testMode, new SecretBytes(new Uint8Array([1]))],
		]);
	return { session, extra: { testMode } };
}

function splitAddr(addr: string): [string, number] {
	const colon = addr.lastIndexOf(":");
	return [addr.slice(0, colon), Number(addr.slice(colon + 1))];
}

/** Options of {@link encodeMtkrutoString}. */
export interface MtkrutoEncodeOptions extends HomeDcOptions {
	/** Write the DC as `N-test` (default: the session's `tdata:test-mode` value, else false). */
	testMode?: boolean;
}

/** Encodes the home DC's key as an MTKruto string (addresses, other DCs and peers are lost). */
export function encodeMtkrutoString(
	session: PersistedSession,
	options: MtkrutoEncodeOptions = {},
): string {
	const home = pickHomeDc(session, options, "an MTKruto string");
	const testMode = options.testMode ?? tdataFactsOf(session).testMode === true;
	const dc = `${home.entry.dcId}${testMode ? "-test" : ""}`;
	const w = new Writer().tlBytes(new TextEncoder().encode(dc));
	home.authKey.read((key) => w.tlBytes(key));
	return toBase64Url(rleEncode(w.bytes));
}
