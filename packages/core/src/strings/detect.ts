import { base64Decode } from "../codec/base64.js";
import { decodeSessionDetailed } from "../codec/binary.js";
import { CorruptSessionError, SessionBackendError } from "../errors.js";
import type { PersistedSession } from "../types.js";
import { type CompactSession, compactToSession, decodeCompactString } from "./compact.js";
import type { NativeStringOptions } from "./native.js";
import { trimSessionString } from "./trim.js";

/** What {@link decodeSessionString} found. */
export type DecodedSessionString =
	| { format: "empty"; session: null }
	| { format: "compact"; session: PersistedSession; compact: CompactSession }
	| { format: "native"; session: PersistedSession; version: number };

/**
 * Decodes any string this library or ferogram writes, detecting the format in the reference's
 * order: empty (whitespace only) → no session; compact; otherwise native. A compact string keeps
 * its user id on `compact`.
 */
export function decodeSessionString(
	text: string,
	options: NativeStringOptions = {},
): DecodedSessionString {
	if (typeof text !== "string") {
		throw new SessionBackendError("INVALID_ARGUMENT", "session string must be a string", {
			backend: "codec",
		});
	}
	const trimmed = trimSessionString(text);
	if (trimmed === "") return { format: "empty", session: null };
	try {
		const compact = decodeCompactString(trimmed, options);
		return { format: "compact", session: compactToSession(compact), compact };
	} catch {
		// not compact: fall through to native
	}
	let bytes: Uint8Array;
	try {
		bytes = base64Decode(trimmed, { lenient: options.lenient === true, what: "session string" });
	} catch (cause) {
		throw new CorruptSessionError(
			"session string is neither a compact nor a native session (bad base64)",
			{
				backend: "codec",
				cause,
			},
		);
	}
	const { session, version } = decodeSessionDetailed(bytes, options);
	return { format: "native", session, version };
}
