import { SessionBackendError } from "../errors.js";
import type { SqlDriver } from "./driver.js";

/** Runs `op`, passing errors through the driver's mapping; typed errors pass as they are. */
export async function guard<T>(db: SqlDriver, operation: string, op: () => Promise<T>): Promise<T> {
	try {
		return await op();
	} catch (error) {
		throw guardError(db, operation, error);
	}
}

/** The error {@link guard} rejects with for `error`. */
export function guardError(db: SqlDriver, operation: string, error: unknown): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const mapped = db.mapError?.(error, operation);
	if (mapped instanceof SessionBackendError) return mapped;
	return new SessionBackendError(
		"IO",
		`${operation} failed on ${db.location}: ${errorText(error)}`,
		{
			backend: db.name,
			cause: error,
		},
	);
}

function errorText(error: unknown): string {
	const e = error as { code?: unknown; message?: unknown };
	return typeof e?.code === "string"
		? `${e.code}`
		: typeof e?.message === "string"
			? e.message.slice(0, 200)
			: "error";
}
