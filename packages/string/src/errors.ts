import {
	CorruptSessionError,
	EncodeOverflowError,
	SessionBackendError,
	UnsupportedVersionError,
} from "@x/session-core";
import { BACKEND } from "./options.js";

/** The codec's error, re-raised under this backend's name with the same class and code. */
export function rewrap(cause: unknown, what: string): SessionBackendError {
	if (!(cause instanceof SessionBackendError)) {
		return new CorruptSessionError(what, { backend: BACKEND, cause });
	}
	const detail = cause.message.replace(/^\[x-session\] \[[^\]]*\] /, "");
	const message = `${what}: ${detail}`;
	if (cause instanceof UnsupportedVersionError) {
		return new UnsupportedVersionError(cause.version, message, { backend: BACKEND, cause });
	}
	if (cause instanceof EncodeOverflowError)
		return new EncodeOverflowError(message, { backend: BACKEND, cause });
	if (cause instanceof CorruptSessionError)
		return new CorruptSessionError(message, { backend: BACKEND, cause });
	return new SessionBackendError(cause.code, message, { backend: BACKEND, cause });
}
