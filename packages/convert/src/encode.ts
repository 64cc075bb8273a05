import {
	compactFromSession,
	encodeCompactString,
	encodeNativeString,
	type PersistedSession,
} from "@x/session-core";
import { invalid } from "./errors.js";
import { encodeGramjsString } from "./gramjs-string.js";
import type { HomeDcOptions } from "./home-dc.js";
import { encodeMtcuteString, type MtcuteEncodeOptions } from "./mtcute-string.js";
import { encodeMtkrutoString, type MtkrutoEncodeOptions } from "./mtkruto-string.js";
import { encodePyrogramString, type PyrogramEncodeOptions } from "./pyrogram-string.js";
import { encodeTelethonString } from "./telethon-string.js";
import type { StringFormat } from "./types.js";

/** Options of {@link encodeForeignSession}, by format. */
export type EncodeForeignOptions =
	| { format: "telethon" | "gramjs"; dcId?: number; ipv6?: boolean }
	| ({ format: "pyrogram" } & PyrogramEncodeOptions)
	| ({ format: "mtcute" } & MtcuteEncodeOptions)
	| ({ format: "mtkruto" } & MtkrutoEncodeOptions)
	| { format: "native" }
	| { format: "compact"; userId: bigint };

/**
 * Encodes `session` in any string format: one entry point over the per-format encoders
 * (`encodeTelethonString`, `encodeGramjsString`, `encodePyrogramString`, `encodeMtcuteString`, and
 * core's native/compact encoders). Throws INVALID_ARGUMENT when the session cannot be written in it.
 */
export function encodeForeignSession(
	session: PersistedSession,
	options: EncodeForeignOptions,
): string {
	switch (options.format) {
		case "telethon":
			return encodeTelethonString(session, homeOptions(options));
		case "gramjs":
			return encodeGramjsString(session, homeOptions(options));
		case "pyrogram":
			return encodePyrogramString(session, options);
		case "mtcute":
			return encodeMtcuteString(session, options);
		case "mtkruto":
			return encodeMtkrutoString(session, options);
		case "native":
			return encodeNativeString(session);
		case "compact": {
			const compact = compactFromSession(session, options.userId);
			if (!compact)
				throw invalid(
					"the compact format needs a home DC (≤ 255) with an auth key and an IP address",
				);
			return encodeCompactString(compact);
		}
		default:
			throw invalid(`unknown session format "${String((options as { format: unknown }).format)}"`);
	}
}

function homeOptions(options: { dcId?: number; ipv6?: boolean }): HomeDcOptions {
	const out: HomeDcOptions = {};
	if (options.dcId !== undefined) out.dcId = options.dcId;
	if (options.ipv6 !== undefined) out.ipv6 = options.ipv6;
	return out;
}

/** Formats {@link encodeForeignSession} writes. */
export const ENCODABLE_FORMATS: readonly StringFormat[] = [
	"telethon",
	"gramjs",
	"pyrogram",
	"mtcute",
	"mtkruto",
	"native",
	"compact",
];
