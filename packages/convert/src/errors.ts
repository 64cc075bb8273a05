import {
	CorruptSessionError,
	type EncryptionFailure,
	SessionBackendError,
	SessionEncryptionError,
	UnsupportedVersionError,
} from "@x/session-core";

/** The `backend` name every error of this package carries. */
export const BACKEND = "convert";

/** A {@link CorruptSessionError} from this package. The message must never hold input text or key bytes. */
export function corrupt(message: string, cause?: unknown): CorruptSessionError {
	return new CorruptSessionError(
		message,
		cause === undefined ? { backend: BACKEND } : { backend: BACKEND, cause },
	);
}

/** An `INVALID_ARGUMENT` error: the caller's session or options cannot be written in the asked format. */
export function invalid(message: string, cause?: unknown): SessionBackendError {
	return new SessionBackendError(
		"INVALID_ARGUMENT",
		message,
		cause === undefined ? { backend: BACKEND } : { backend: BACKEND, cause },
	);
}

/** An {@link UnsupportedVersionError} from this package. */
export function unsupported(version: number, message: string): UnsupportedVersionError {
	return new UnsupportedVersionError(version, message, { backend: BACKEND });
}

/** An `IO` error (file missing, unreadable, not writable). */
export function ioError(message: string, cause?: unknown): SessionBackendError {
	return new SessionBackendError(
		"IO",
		message,
		cause === undefined ? { backend: BACKEND } : { backend: BACKEND, cause },
	);
}

/** An `ENCRYPTION` error: a passcode that is wrong or missing (tdata). */
export function encryptionError(
	reason: EncryptionFailure,
	message: string,
): SessionEncryptionError {
	return new SessionEncryptionError(reason, message, { backend: BACKEND });
}
