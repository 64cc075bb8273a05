import {
	compactToSession,
	decodeCompactString,
	decodeNativeStringDetailed,
	decodeSessionString,
	isSessionError,
} from "@x/session-core";
import { corrupt, invalid } from "./errors.js";
import { decodeGramjsString } from "./gramjs-string.js";
import { decodeMtcuteString } from "./mtcute-string.js";
import { decodeMtkrutoString } from "./mtkruto-string.js";
import { decodePyrogramString } from "./pyrogram-string.js";
import { decodeTelethonString, ONE_PREFIX } from "./telethon-string.js";
import type { DecodedForeignSession, StringFormat } from "./types.js";

/** What {@link detectSessionFormat} found. */
export type DetectedFormat =
	| { format: StringFormat; decoded: DecodedForeignSession }
	| {
			format: null;
			/** One line on why nothing (or more than one format) fits. */
			reason: string;
			/** Why each format was ruled out (empty when the string is ambiguous). */
			rejected: Partial<Record<StringFormat, string>>;
			/** Formats that all decode it, when ambiguous. */
			candidates: StringFormat[];
	  };

/** Every format {@link decodeForeignSession} accepts, in the order detection tries them. */
export const STRING_FORMATS: readonly StringFormat[] = [
	"telethon",
	"gramjs",
	"native",
	"compact",
	"pyrogram",
	"mtcute",
	"mtkruto",
];

function errorReason(error: unknown): string {
	if (isSessionError(error)) return error.message.replace(/^\[x-session\] \[[^\]]*\] /, "");
	throw error;
}

/** Decodes `text` as exactly `format` (no detection). */
function decodeAs(text: string, format: StringFormat): DecodedForeignSession {
	switch (format) {
		case "telethon":
			return { format, ...decodeTelethonString(text) };
		case "gramjs":
			return { format, ...decodeGramjsString(text) };
		case "pyrogram":
			return { format, ...decodePyrogramString(text) };
		case "mtcute":
			return { format, ...decodeMtcuteString(text) };
		case "mtkruto":
			return { format, ...decodeMtkrutoString(text) };
		case "native": {
			const { session, version } = decodeNativeStringDetailed(text);
			return { format, session, extra: { version } };
		}
		case "compact": {
			const compact = decodeCompactString(text);
			return { format, session: compactToSession(compact), extra: { compact } };
		}
		default:
			throw invalid(`unknown session format "${String(format)}"`);
	}
}

/** A `1…` string: Telethon or GramJS, resolved by the layout rule GramJS uses (see gramjsLayoutOf). */
function decodeOnePrefixed(text: string): DecodedForeignSession {
	const gram = decodeGramjsString(text);
	if (gram.extra.layout === "gramjs")
		return { format: "gramjs", session: gram.session, extra: gram.extra };
	return {
		format: "telethon",
		session: gram.session,
		extra: { layout: gram.extra.layout === "telethon-ipv4" ? "ipv4" : "ipv6" },
	};
}

/**
 * Names the format of any session string, or says why none fits. `1…` strings are Telethon or
 * GramJS, told apart by layout as GramJS does (Telethon's IPv4 length, then the address length
 * field). Other strings are tried as ours (compact, then native, strictly: no trailing bytes, no
 * silently fixed values), Pyrogram and mtcute; exactly one must decode, otherwise the answer is
 * "ambiguous" with the candidates and the caller must force the format.
 */
export function detectSessionFormat(text: string): DetectedFormat {
	if (typeof text !== "string") throw invalid("session string must be a string");
	const trimmed = text.trim();
	const rejected: Partial<Record<StringFormat, string>> = {};
	if (trimmed === "")
		return { format: null, reason: "the string is empty", rejected, candidates: [] };
	if (trimmed.startsWith(ONE_PREFIX)) {
		try {
			const decoded = decodeOnePrefixed(trimmed);
			return { format: decoded.format, decoded };
		} catch (error) {
			const why = errorReason(error);
			rejected.telethon = why;
			rejected.gramjs = why;
		}
	} else {
		rejected.telethon = rejected.gramjs = 'does not start with "1"';
	}
	const found: DecodedForeignSession[] = [];
	try {
		const ours = decodeSessionString(trimmed, { strict: true });
		if (ours.format === "compact")
			found.push({ format: "compact", session: ours.session, extra: { compact: ours.compact } });
		else if (ours.format === "native")
			found.push({ format: "native", session: ours.session, extra: { version: ours.version } });
	} catch (error) {
		rejected.native = rejected.compact = errorReason(error);
	}
	for (const format of ["pyrogram", "mtcute", "mtkruto"] as const) {
		try {
			found.push(decodeAs(trimmed, format));
		} catch (error) {
			rejected[format] = errorReason(error);
		}
	}
	const only = found[0];
	if (found.length === 1 && only) return { format: only.format, decoded: only };
	if (found.length > 1) {
		const candidates = found.map((d) => d.format);
		return {
			format: null,
			reason: `ambiguous: the string decodes as ${candidates.join(" and ")}`,
			rejected: {},
			candidates,
		};
	}
	const lines = Object.entries(rejected).map(([f, why]) => `${f}: ${why}`);
	return {
		format: null,
		reason: `no known session format fits (${lines.join("; ")})`,
		rejected,
		candidates: [],
	};
}

/** Options of {@link decodeForeignSession}. */
export interface DecodeForeignOptions {
	/** Force a format instead of detecting it ("auto", the default, detects). */
	format?: StringFormat | "auto";
}

/**
 * Decodes any session string (Telethon, GramJS, Pyrogram, mtcute, or ours) to
 * `{ format, session, extra }`; `extra` holds the fields our model lacks. Detection as in
 * {@link detectSessionFormat}; an ambiguous or unknown string throws {@link CorruptSessionError}
 * naming the candidates or the reasons. With `format` the string is decoded as exactly that.
 */
export function decodeForeignSession(
	text: string,
	options: DecodeForeignOptions = {},
): DecodedForeignSession {
	if (typeof text !== "string") throw invalid("session string must be a string");
	const format = options.format ?? "auto";
	if (format !== "auto") {
		if (!STRING_FORMATS.includes(format))
			throw invalid(`unknown session format "${String(format)}"`);
		if (text.trim() === "") throw corrupt(`empty ${format} session string`);
		return decodeAs(text.trim(), format);
	}
	const detected = detectSessionFormat(text);
	if (detected.format === null) {
		const hint = detected.candidates.length > 0 ? "; pass { format } to choose" : "";
		throw corrupt(`cannot tell the session format: ${detected.reason}${hint}`);
	}
	return detected.decoded;
}
