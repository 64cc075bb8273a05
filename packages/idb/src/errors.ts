import { SessionBackendError } from "@x/session-core";

const BACKEND = "idb";

/**
 * The origin's storage quota is used up: the write was refused by the browser and its transaction
 * rolled back, so the stored session is as it was before the call.
 */
export class IdbQuotaError extends SessionBackendError {
	override readonly name: string = "IdbQuotaError";
	constructor(database: string, cause: unknown) {
		super(
			"IO",
			`IndexedDB database "${database}" is over this origin's storage quota; nothing of this write was stored. Free space (delete unused sessions or other site data) or ask for persistent storage with navigator.storage.persist()`,
			{ backend: BACKEND, cause },
		);
	}
}

/** The library's error for what IndexedDB threw: quota errors typed, the rest as `IO`. */
export function storageError(database: string, error: unknown): unknown {
	if (error instanceof SessionBackendError) return error;
	const name = (error as { name?: unknown } | null)?.name;
	if (name === "QuotaExceededError") return new IdbQuotaError(database, error);
	if (error instanceof DOMException)
		return new SessionBackendError(
			"IO",
			`IndexedDB database "${database}" failed (${error.name}); nothing of this call was stored. Reload the page; if it persists, check the browser's site storage`,
			{ backend: BACKEND, cause: error },
		);
	return error;
}

/** IndexedDB is missing (Node, some private modes). */
export function noIndexedDb(): SessionBackendError {
	return new SessionBackendError(
		"UNSUPPORTED",
		"IndexedDB is not available in this runtime; in Node use @x/session-file or @x/session-sqlite, in an edge runtime @x/session-string or @x/session-redis",
		{ backend: BACKEND },
	);
}

/** A read-only open of a database this origin does not have: nothing is created. */
export function noDatabase(database: string): SessionBackendError {
	return new SessionBackendError(
		"IO",
		`IndexedDB database "${database}" does not exist in this origin (a read-only open creates nothing); open it once without readOnly, or check the database name`,
		{ backend: BACKEND },
	);
}
