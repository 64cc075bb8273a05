import { isSessionError } from "@x/session-core";
import { redactSecrets } from "@x/session-core/backend";

/** Exit codes of `x-session`, as documented in the README. */
export const EXIT = {
	/** Success. */
	OK: 0,
	/** Failure: corrupt data, verification failed, target exists, anything else. */
	FAILURE: 1,
	/** Bad command line: unknown command or option, malformed location. */
	USAGE: 2,
	/** No session (or no file, database, variable) at the location. */
	NOT_FOUND: 3,
	/** The session is locked by another process (a running client). */
	LOCKED: 4,
	/** The server could not be reached, refused the credentials, or timed out. */
	CONNECTION: 5,
	/** `convert --strict`: the target cannot hold all of the session; nothing was written. */
	LOSSY: 6,
} as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line on stderr with the given exit code. */
export class CliError extends Error {
	override readonly name: string = "CliError";
	readonly exitCode: ExitCode;
	/** A better message found asynchronously (e.g. by loading a package), or the one given. */
	refine?: () => Promise<string | undefined>;

	constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.exitCode = exitCode;
	}
}

/** A usage error (exit 2). */
export function usage(message: string): CliError {
	return new CliError(EXIT.USAGE, message);
}

/**
 * True when `text` may be a session string (any client's: base64 or hex, one long word): a
 * message must not repeat it. Paths and names have dots, spaces or are short.
 */
export function looksLikeSessionString(text: string): boolean {
	return /^[A-Za-z0-9+/_=-]{40,}$/.test(text.trim());
}

/**
 * The user's input, quoted, for a message: only when short (≤ 48 characters) and not like a
 * session string; otherwise its length only. A mistyped location can be a pasted credential.
 */
export function quoteInput(text: string): string {
	if (text.length <= 48 && !/^[A-Za-z0-9+/_=-]{16,}$/.test(text.trim())) return `"${text}"`;
	return `(${text.length} characters, not repeated here: they may be a secret)`;
}

/** A "nothing there" error (exit 3). */
export function notFound(message: string): CliError {
	return new CliError(EXIT.NOT_FOUND, message);
}

const CONNECTION_ERRNOS = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"ETIMEDOUT",
	"EHOSTUNREACH",
	"ENETUNREACH",
	"ENOTFOUND",
	"EAI_AGAIN",
	"EPIPE",
]);

/** The exit code for any error thrown while running a command. */
export function exitCodeOf(error: unknown): ExitCode {
	if (error instanceof CliError) return error.exitCode;
	if (isSessionError(error)) {
		switch (error.code) {
			case "LOCKED":
				return EXIT.LOCKED;
			case "CONNECTION":
			case "AUTH":
			case "TIMEOUT":
				return EXIT.CONNECTION;
			case "INVALID_ARGUMENT":
				return EXIT.USAGE;
			default:
				return EXIT.FAILURE;
		}
	}
	// a bad %-escape that escaped the location parser: a command-line problem, not a failure
	if (error instanceof URIError) return EXIT.USAGE;
	const errno = (error as { code?: unknown } | null)?.code;
	if (errno === "ENOENT") return EXIT.NOT_FOUND;
	if (typeof errno === "string" && CONNECTION_ERRNOS.has(errno)) return EXIT.CONNECTION;
	return EXIT.FAILURE;
}

/**
 * The one line printed for `error`: the library's `[x-session] ` prefix dropped (the CLI adds
 * `x-session: `), newlines folded, and every known secret (passwords, tokens, session strings)
 * replaced, so nothing sensitive reaches stderr even from a driver's message.
 */
export function errorLine(error: unknown, secrets: readonly string[]): string {
	let message =
		error instanceof Error ? error.message : typeof error === "string" ? error : "unknown error";
	if (!(error instanceof CliError) && !isSessionError(error) && error instanceof Error) {
		const errno = (error as { code?: unknown }).code;
		if (typeof errno === "string" && !message.includes(errno)) message = `${errno}: ${message}`;
	}
	message = message.replace(/^\[x-session\] /, "");
	message = message.split(/\r?\n/)[0] ?? "";
	message = redactSecrets(message, secrets, "***");
	return `x-session: ${message.trim() || "unknown error"}`;
}
