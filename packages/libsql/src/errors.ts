import { CorruptSessionError, SessionBackendError, SessionConnectionError } from "@x/session-core";
import { redactSecrets } from "@x/session-core/sql";

const BACKEND = "libsql";

/** A @libsql/client error as a typed one, with no secret (auth token) in its message. */
export function mapError(
	error: unknown,
	operation: string,
	location: string,
	secrets: readonly string[],
): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const e = error as {
		code?: string;
		message?: string;
		cause?: { code?: string; name?: string; message?: string };
		name?: string;
		status?: number;
	};
	const code = String(e?.code ?? "");
	const text = redactSecrets(`${e?.message ?? ""} ${e?.cause?.message ?? ""}`, secrets);
	const where = `${operation} on ${location}`;
	const chain = [e, e?.cause, (e?.cause as { cause?: typeof e })?.cause];
	const has = (pred: (x: { code?: string; name?: string; message?: string }) => boolean) =>
		chain.some((x) => x && pred(x));
	if (
		has((x) => x.name === "TimeoutError" || x.name === "AbortError") ||
		/HandshakeTimeout/.test(text)
	)
		return new SessionConnectionError(`${where}: no answer in time`, {
			backend: BACKEND,
			code: "TIMEOUT",
		});
	if (
		/\b401\b|\b403\b|unauthori[sz]ed|forbidden/i.test(text) ||
		(code === "SERVER_ERROR" && /40[13]/.test(text))
	)
		return new SessionConnectionError(`${where}: the server refused the auth token`, {
			backend: BACKEND,
			code: "AUTH",
		});
	if (
		has((x) =>
			/ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|fetch failed|connection refused|error trying to connect/i.test(
				`${x.code ?? ""} ${x.message ?? ""}`,
			),
		)
	)
		return new SessionConnectionError(`${where}: cannot reach the server`, {
			backend: BACKEND,
			code: "CONNECTION",
		});
	if (/SQLITE_NOTADB|SQLITE_CORRUPT|file is not a database/i.test(`${code} ${text}`))
		return new CorruptSessionError(`${location} is not a readable SQLite database`, {
			backend: BACKEND,
		});
	if (/SQLITE_BUSY|database is locked/i.test(`${code} ${text}`))
		return new SessionBackendError("TIMEOUT", `${where}: the database stayed locked`, {
			backend: BACKEND,
		});
	return new SessionBackendError("IO", `${where} failed: ${code || text.trim().slice(0, 200)}`, {
		backend: BACKEND,
	});
}
