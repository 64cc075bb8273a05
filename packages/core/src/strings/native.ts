import { base64Decode, base64Encode } from "../codec/base64.js";
import {
	type DecodedSession,
	type DecodeOptions,
	decodeSessionDetailed,
	type EncodeOptions,
	encodeSession,
} from "../codec/binary.js";
import { CorruptSessionError, SessionBackendError } from "../errors.js";
import type { PersistedSession } from "../types.js";
import { trimSessionString } from "./trim.js";

/** Options of the native string decoders: the binary decode options plus lenient base64. */
export interface NativeStringOptions extends DecodeOptions {
	/** Accept `=` padding and the standard `+` `/` alphabet (the reference rejects both). */
	lenient?: boolean;
}

/**
 * The native ("full state") string: base64url without padding of the v8 binary encoding (with
 * the extension trailer when the session carries client metadata).
 */
export function encodeNativeString(session: PersistedSession, options?: EncodeOptions): string {
	return base64Encode(encodeSession(session, options));
}

/** Decodes a native string (ends trimmed, as the reference does). */
export function decodeNativeString(
	text: string,
	options: NativeStringOptions = {},
): PersistedSession {
	return decodeNativeStringDetailed(text, options).session;
}

/** Decodes a native string like `decodeNativeString`, and also says which format version it held, how many bytes were read and whether an extension trailer was there. */
export function decodeNativeStringDetailed(
	text: string,
	options: NativeStringOptions = {},
): DecodedSession {
	if (typeof text !== "string") {
		throw new SessionBackendError("INVALID_ARGUMENT", "session string must be a string", {
			backend: "codec",
		});
	}
	const trimmed = trimSessionString(text);
	if (trimmed === "") throw new CorruptSessionError("empty session string", { backend: "codec" });
	const bytes = base64Decode(trimmed, {
		lenient: options.lenient === true,
		what: "native session string",
	});
	return decodeSessionDetailed(bytes, options);
}
