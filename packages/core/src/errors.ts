/** Every code a {@link SessionBackendError} can carry. */
export type SessionErrorCode =
	| "CORRUPT_DATA"
	| "UNSUPPORTED_VERSION"
	| "ENCODE_OVERFLOW"
	| "INVALID_ARGUMENT"
	| "LOCKED"
	| "CONNECTION"
	| "AUTH"
	| "TIMEOUT"
	| "IO"
	| "ENCRYPTION"
	| "UNSUPPORTED"
	| "CLOSED";

/** What every {@link SessionBackendError} is built with: the backend that raised it and the underlying cause. */
export interface SessionErrorOptions {
	/** Backend or component that raised the error, e.g. `"file"`, `"sqlite"`, `"codec"`. */
	backend: string;
	cause?: unknown;
}

/**
 * Base of every error this library throws. The message starts with `[x-session] [backend]`
 * and never contains key bytes, tokens or session strings.
 */
export class SessionBackendError extends Error {
	override readonly name: string = "SessionBackendError";
	readonly code: SessionErrorCode;
	readonly backend: string;

	constructor(code: SessionErrorCode, message: string, options: SessionErrorOptions) {
		super(`[x-session] [${options.backend}] ${message}`, { cause: options.cause });
		this.code = code;
		this.backend = options.backend;
	}
}

/** Stored data does not decode: truncated, malformed, or inconsistent. */
export class CorruptSessionError extends SessionBackendError {
	override readonly name: string = "CorruptSessionError";
	constructor(message: string, options: SessionErrorOptions) {
		super("CORRUPT_DATA", message, options);
	}
}

/** Stored data is of a version this library does not read. */
export class UnsupportedVersionError extends SessionBackendError {
	override readonly name: string = "UnsupportedVersionError";
	readonly version: number;
	constructor(version: number, message: string, options: SessionErrorOptions) {
		super("UNSUPPORTED_VERSION", message, options);
		this.version = version;
	}
}

/** A value does not fit the format (e.g. 65536 peers in a u16 count); nothing was written. */
export class EncodeOverflowError extends SessionBackendError {
	override readonly name: string = "EncodeOverflowError";
	constructor(message: string, options: SessionErrorOptions) {
		super("ENCODE_OVERFLOW", message, options);
	}
}

/** Who holds a lock or lease, as far as the backend can tell. */
export interface LockHolder {
	pid?: number;
	host?: string;
	/** Backend-specific owner id (lease owner, fencing token). */
	owner?: string;
	/** When the lease expires, ms since the epoch, where the backend has one. */
	expiresAt?: number;
}

/** Another process or instance holds the single-writer lock of this session. */
export class SessionLockedError extends SessionBackendError {
	override readonly name: string = "SessionLockedError";
	readonly holder: LockHolder | undefined;
	constructor(message: string, options: SessionErrorOptions & { holder?: LockHolder }) {
		super("LOCKED", message, options);
		this.holder = options.holder;
	}
}

/** The backend's server or storage could not be reached, or stopped answering in time. */
export class SessionConnectionError extends SessionBackendError {
	override readonly name: string = "SessionConnectionError";
	constructor(
		message: string,
		options: SessionErrorOptions & { code?: "CONNECTION" | "AUTH" | "TIMEOUT" },
	) {
		super(options.code ?? "CONNECTION", message, options);
	}
}

/** True when `error` is a {@link SessionBackendError}, optionally with the given code. */
export function isSessionError(
	error: unknown,
	code?: SessionErrorCode,
): error is SessionBackendError {
	return error instanceof SessionBackendError && (code === undefined || error.code === code);
}
