import { SessionBackendError, SessionConnectionError } from "@x/session-core";
import { redactSecrets } from "@x/session-core/sql";

export const BACKEND = "postgres";

/**
 * The connection broke after COMMIT (or a write that commits by itself) was sent: the server
 * may have committed. Reported as
 * `TIMEOUT` (outcome unknown), so `CONNECTION` always means the write was not applied.
 */
export class CommitOutcomeUnknown extends Error {}

/** True for errors of the connection itself (not reported by the server): the client is dropped. */
export function isConnectionFault(error: unknown): boolean {
	if (error instanceof SessionBackendError) return false; // ours, thrown inside a transaction
	const code = (error as { code?: unknown })?.code;
	if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
	return code.startsWith("08") || code.startsWith("57P");
}

/**
 * True when the server or the network ended the connection (not a timeout: a server that does
 * not answer is not retried, the call's time bound holds).
 */
export function wasDropped(error: unknown): boolean {
	const e = error as { code?: unknown; message?: unknown };
	const code = typeof e?.code === "string" ? e.code : "";
	if (/^(57P0[123]|08\d\d\d|ECONNRESET|EPIPE)$/.test(code)) return true;
	return /Connection terminated|not queryable/i.test(String(e?.message ?? ""));
}

/** Where the database is, without user or password. */
export function displayConnection(connectionString: string | undefined): string {
	if (!connectionString) return "postgres (pool)";
	try {
		const u = new URL(connectionString);
		return `postgres://${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
	} catch {
		return "postgres (connection string)";
	}
}

/** What must never appear in a message: the password (raw and decoded) and the whole string. */
export function secretsOf(connectionString: string | undefined): string[] {
	if (!connectionString) return [];
	try {
		const u = new URL(connectionString);
		return [u.password, decodeURIComponent(u.password), connectionString].filter(
			(s) => s.length >= 3,
		);
	} catch {
		return [connectionString];
	}
}

/** What to do about a connection the server refused or ended, by SQLSTATE. */
function connectionAdvice(code: string): string {
	// 53300 too_many_connections (also a role's or database's CONNECTION LIMIT)
	if (code === "53300")
		return "the server has no connection slot left (53300 too many clients): open sessions of one process through one pool (the default for a connectionString; pass the same `pool` to every session otherwise), lower `poolSize`, or raise the server's max_connections";
	// 57P03 cannot_connect_now: starting up, shutting down, in recovery
	if (code === "57P03")
		return "the server does not accept connections now (57P03: starting, stopping or recovering): retry in a moment";
	if (/^57P0[12]$/.test(code))
		return `the server ended the connection (${code}: shutdown or pg_terminate_backend): retry; the next call takes a new connection`;
	return `cannot reach the server (${code || "connection lost"}): check that it runs and is reachable, then retry`;
}

export function mapError(
	error: unknown,
	operation: string,
	location: string,
	secrets: readonly string[],
): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const e = error as { code?: string; message?: string };
	const code = String(e?.code ?? "");
	const text = redactSecrets(String(e?.message ?? error), secrets).slice(0, 200);
	const where = `${operation} on ${location}`;
	if (error instanceof CommitOutcomeUnknown)
		return new SessionConnectionError(
			`${where}: the connection was lost while the write was committed, so it may or may not have been applied (load() to see; repeat it if it is missing)`,
			{ backend: BACKEND, code: "TIMEOUT" },
		);
	// 28xxx: invalid authorization; 3D000: no such database
	if (code.startsWith("28") || code === "3D000")
		return new SessionConnectionError(`${where}: the server refused the login (${code})`, {
			backend: BACKEND,
			code: "AUTH",
		});
	if (code === "57014")
		return new SessionConnectionError(`${where}: the statement timed out`, {
			backend: BACKEND,
			code: "TIMEOUT",
		});
	if (/timeout/i.test(text) && !code)
		return new SessionConnectionError(`${where}: no answer in time`, {
			backend: BACKEND,
			code: "TIMEOUT",
		});
	if (
		/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|EPIPE|53300|57P01|57P02|57P03|08\d\d\d)$/.test(
			code,
		) ||
		/terminat|Connection/i.test(text)
	)
		return new SessionConnectionError(`${where}: ${connectionAdvice(code)}`, {
			backend: BACKEND,
			code: "CONNECTION",
		});
	return new SessionBackendError("IO", `${where} failed: ${code ? `${code} ` : ""}${text}`, {
		backend: BACKEND,
	});
}
