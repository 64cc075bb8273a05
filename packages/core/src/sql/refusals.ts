import { SessionBackendError } from "../errors.js";

// The refusals of a SQL backend that are not the driver's errors.

/** A write on an instance opened with `readOnly: true`. */
export function readOnlyError(backend: string, location: string, operation: string) {
	return new SessionBackendError(
		"UNSUPPORTED",
		`${operation}: ${location} was opened read-only (readOnly: true); open it without readOnly to write`,
		{ backend },
	);
}

/** A lookup on a read-only open of a database without our tables (only `load()` reads it). */
export function foreignLookupError(backend: string, location: string, operation: string) {
	return new SessionBackendError(
		"UNSUPPORTED",
		`${operation}: ${location} has no tables of ours (read-only open): only load() reads it`,
		{ backend },
	);
}

export function invalidKind(kind: unknown, backend: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", `unknown peer kind ${String(kind)}`, {
		backend,
	});
}
