import { isAbsolute, resolve } from "node:path";
import { type CliError, looksLikeSessionString, quoteInput, usage } from "./errors.js";

/** Other clients' formats, read and written through `@x/session-convert`. */
export const FOREIGN_FORMATS = ["telethon", "pyrogram", "gramjs", "mtcute", "mtkruto"] as const;
/** One of {@link FOREIGN_FORMATS}. */
export type ForeignFormat = (typeof FOREIGN_FORMATS)[number];

/** Session id used when a location has no `#SESSION`. */
export const DEFAULT_SESSION_ID = "default";

/** A parsed location. `display` is safe to print: it never holds a password, token or session string. */
export type Location = { display: string; text: string } & (
	| { scheme: "file"; path: string }
	| { scheme: "string"; value: string }
	| { scheme: "env"; name: string }
	| { scheme: "sqlite"; path: string; sessionId: string; explicitSession: boolean }
	| {
			scheme: "libsql";
			url: string;
			localPath: string | undefined;
			sessionId: string;
			explicitSession: boolean;
	  }
	| {
			scheme: "redis";
			host: string;
			port: number;
			db: number;
			tls: boolean;
			username: string | undefined;
			password: string | undefined;
			prefix: string;
			sessionId: string;
			explicitSession: boolean;
	  }
	| {
			scheme: "postgres";
			/** The connection string without `#SESSION` and `?schema=`. */
			url: string;
			schema: string | undefined;
			password: string | undefined;
			sessionId: string;
			explicitSession: boolean;
	  }
	| { scheme: ForeignFormat; value: string }
	/** A Telegram Desktop tdata folder; `account` is 0-based (`#1` is 0). */
	| { scheme: "tdata"; path: string; account: number; explicitAccount: boolean }
);

const SCHEMES =
	"file:PATH, string:VALUE, string:-, env:VAR, sqlite:PATH#SESSION, libsql:URL#SESSION, redis://HOST:PORT/DB#SESSION, postgres://USER@HOST/DB?schema=S#SESSION, telethon:, pyrogram:, gramjs:, mtcute:, mtkruto:, tdata:DIR#ACCOUNT";

/** Parses a location URI (see the README); relative paths resolve against `cwd`. */
export function parseLocation(text: string, cwd: string): Location {
	const colon = text.indexOf(":");
	const scheme = colon > 0 ? text.slice(0, colon).toLowerCase() : "";
	const rest = colon > 0 ? text.slice(colon + 1) : "";
	const path = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
	switch (scheme) {
		case "file": {
			if (rest.startsWith("//")) {
				let url: URL;
				try {
					url = new URL(text);
				} catch {
					throw usage(`malformed file URL ${quoteInput(text)}`);
				}
				if (url.host && url.host !== "localhost")
					throw usage(`file URLs must be local: ${quoteInput(text)}`);
				const p = decoded(url.pathname, "file URL's path");
				return { scheme: "file", path: p, display: `file:${p}`, text };
			}
			if (!rest) throw usage("file: needs a path, e.g. file:./bot.session");
			return { scheme: "file", path: path(rest), display: `file:${rest}`, text };
		}
		case "string":
			return {
				scheme: "string",
				value: rest,
				display:
					rest === "-"
						? "string:- (stdin)"
						: rest
							? `string:<${rest.length} characters>`
							: "string:",
				text,
			};
		case "env":
			if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest))
				throw usage(`env: needs a variable name, e.g. env:TG_SESSION (got ${quoteInput(rest)})`);
			return { scheme: "env", name: rest, display: `env:${rest}`, text };
		case "sqlite": {
			const { base, sessionId, explicit } = splitSession(rest);
			if (!base) throw usage("sqlite: needs a database path, e.g. sqlite:./sessions.db#bot");
			return {
				scheme: "sqlite",
				path: path(base),
				sessionId,
				explicitSession: explicit,
				display: `sqlite:${base}#${shownId(sessionId)}`,
				text,
			};
		}
		case "libsql": {
			const { base, sessionId, explicit } = splitSession(rest);
			if (!base)
				throw usage(
					"libsql: needs a URL, e.g. libsql:file:./sessions.db#bot or libsql:libsql://db.example.org#bot",
				);
			const inner = /^[a-z][a-z0-9+.-]*:/i.exec(base)?.[0].toLowerCase();
			let url = base;
			let localPath: string | undefined;
			if (!inner || inner === "file:") {
				const p = inner ? base.slice(5) : base;
				if (!p || p.startsWith("//"))
					throw usage(
						`libsql: local databases are written libsql:file:PATH (got ${quoteInput(base)})`,
					);
				localPath = path(p);
				url = `file:${localPath}`;
			} else if (!["libsql:", "http:", "https:", "ws:", "wss:"].includes(inner)) {
				throw usage(`libsql: URLs are file:, libsql:, http(s): or ws(s): (got "${inner}")`);
			}
			const shown = localPath ? base : safeUrl(base);
			return {
				scheme: "libsql",
				url,
				localPath,
				sessionId,
				explicitSession: explicit,
				display: `libsql:${shown}#${shownId(sessionId)}`,
				text,
			};
		}
		case "redis":
		case "rediss":
			return parseRedis(text, scheme === "rediss");
		case "postgres":
		case "postgresql":
			return parsePostgres(text);
		case "tdata":
			return parseTdata(rest, text, path);
		case "telethon":
		case "pyrogram":
		case "gramjs":
		case "mtcute":
		case "mtkruto":
			return {
				scheme,
				value: rest,
				display:
					rest === "-"
						? `${scheme}:- (stdin)`
						: isFileLike(rest)
							? `${scheme}:${rest}`
							: `${scheme}:<${rest.length} characters>`,
				text,
			};
		default: {
			// never repeated when it may be a pasted session string: the error line is not a secret
			if (looksLikeSessionString(text)) throw sessionStringGiven(text);
			const shown = quoteInput(text);
			const hint =
				colon < 0 && text && shown.startsWith('"') ? ` (did you mean file:${text}?)` : "";
			throw usage(`unknown location ${shown}${hint}; locations are ${SCHEMES}`);
		}
	}
}

/** `tdata:DIR[#ACCOUNT]`: ACCOUNT counts from 1, as Desktop names its folders (`data#2`). */
function parseTdata(rest: string, text: string, path: (p: string) => string): Location {
	const hash = rest.lastIndexOf("#");
	const dir = hash < 0 ? rest : rest.slice(0, hash);
	const account = hash < 0 ? "1" : rest.slice(hash + 1);
	if (!dir) throw usage("tdata: needs the tdata folder, e.g. tdata:./tdata or tdata:./tdata#2");
	if (!/^[1-9][0-9]?$/.test(account))
		throw usage(`tdata: the #ACCOUNT is a number from 1 to 99 (got ${quoteInput(account)})`);
	return {
		scheme: "tdata",
		path: path(dir),
		account: Number(account) - 1,
		explicitAccount: hash >= 0,
		// `#N` only when given: `list tdata:DIR` is about the folder, not its first account
		display: `tdata:${dir}${hash >= 0 ? `#${account}` : ""}`,
		text,
	};
}

/** True when a foreign-format value names a file rather than holding a string. */
/** A session id for messages: one that looks like a pasted session string is not repeated. */
function shownId(sessionId: string): string {
	return looksLikeSessionString(sessionId) ? `(${sessionId.length} characters)` : sessionId;
}

export function isFileLike(value: string): boolean {
	return /^(\.{0,2}\/|~\/)/.test(value) || /\.(session|json|txt)$/i.test(value);
}

/** `decodeURIComponent`, with a bad %-escape a usage error that does not repeat the part. */
function decoded(part: string, what: string): string {
	try {
		return decodeURIComponent(part);
	} catch {
		throw usage(
			`the location's ${what} has a malformed %-escape (write a literal % as %25); it is not repeated here`,
		);
	}
}

function splitSession(rest: string): { base: string; sessionId: string; explicit: boolean } {
	const hash = rest.lastIndexOf("#");
	if (hash < 0) return { base: rest, sessionId: DEFAULT_SESSION_ID, explicit: false };
	const id = decoded(rest.slice(hash + 1), "#SESSION");
	if (!id) throw usage('empty #SESSION: leave it out to use "default"');
	return { base: rest.slice(0, hash), sessionId: id, explicit: true };
}

function safeUrl(text: string): string {
	try {
		const u = new URL(text);
		u.username = "";
		u.password = "";
		u.search = "";
		return u.toString().replace(/\/$/, "");
	} catch {
		return text.replace(/\?.*$/, "");
	}
}

function parsePostgres(text: string): Location {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw usage("malformed PostgreSQL URL; expected postgres://USER@HOST:PORT/DB?schema=S#SESSION");
	}
	const id = url.hash ? decoded(url.hash.slice(1), "#SESSION") : "";
	const schema = url.searchParams.get("schema") ?? undefined;
	url.searchParams.delete("schema");
	url.hash = "";
	const sessionId = id || DEFAULT_SESSION_ID;
	const shown = `postgres://${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}${schema ? `?schema=${schema}` : ""}`;
	return {
		scheme: "postgres",
		url: url.toString(),
		schema,
		password: url.password ? decoded(url.password, "password") : undefined,
		sessionId,
		explicitSession: id !== "",
		display: `${shown}#${shownId(sessionId)}`,
		text,
	};
}

function parseRedis(text: string, tls: boolean): Location {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw usage(`malformed Redis URL; expected redis://HOST:PORT/DB#SESSION`);
	}
	const dbText = url.pathname.replace(/^\//, "") || "0";
	if (!/^\d+$/.test(dbText)) throw usage(`Redis database must be a number (got "${dbText}")`);
	const port = url.port ? Number(url.port) : 6379;
	const id = url.hash ? decoded(url.hash.slice(1), "#SESSION") : "";
	for (const key of url.searchParams.keys()) {
		if (key !== "prefix")
			throw usage(`unknown Redis URL parameter "${key}" (only "prefix" is read)`);
	}
	const prefix = url.searchParams.get("prefix") ?? "xs";
	const host = url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
	const sessionId = id || DEFAULT_SESSION_ID;
	const shownHost = host.includes(":") ? `[${host}]` : host;
	const shownPrefix = prefix === "xs" ? "" : `?prefix=${prefix}`;
	return {
		scheme: "redis",
		host,
		port,
		db: Number(dbText),
		tls,
		username: url.username ? decoded(url.username, "user name") : undefined,
		password: url.password ? decoded(url.password, "password") : undefined,
		prefix,
		sessionId,
		explicitSession: id !== "",
		display: `${tls ? "rediss" : "redis"}://${shownHost}:${port}/${dbText}${shownPrefix}#${shownId(sessionId)}`,
		text,
	};
}

const PREFIX: Record<string, string> = {
	native: "string:",
	compact: "string:",
	telethon: "telethon:",
	gramjs: "gramjs:",
	pyrogram: "pyrogram:",
	mtcute: "mtcute:",
	mtkruto: "mtkruto:",
};

/**
 * The usage error for a session string given as a location (its prefix forgotten). It never
 * holds the string; `refine()` names the string's format when @x/session-convert detects one.
 */
function sessionStringGiven(text: string): CliError {
	const error = usage(
		"this looks like a session string, not a location; pass it on stdin as string:- (x-session's; telethon:-, gramjs:-, pyrogram:-, mtcute:- or mtkruto:- for other clients') or as PREFIX:VALUE (it is not repeated here)",
	);
	error.refine = async () => {
		const { detectSessionFormat } = await import("@x/session-convert");
		const found = detectSessionFormat(text);
		const prefix = found.format ? PREFIX[found.format] : undefined;
		if (!found.format || !prefix) return undefined;
		const name =
			found.format === "native" || found.format === "compact"
				? `an x-session ${found.format}`
				: `a ${found.format}`;
		return `this looks like ${name} session string, not a location; pass it on stdin as ${prefix}- (or as ${prefix}VALUE, which shows it in ps and the shell history); it is not repeated here`;
	};
	return error;
}
