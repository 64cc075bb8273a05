import { isEncryptedEnvelope } from "@x/session-core";
import { sqliteReadOnlySource } from "@x/session-core/node";

/** The 16 bytes every SQLite 3 database starts with. */
const SQLITE_MAGIC = "SQLite format 3\0";

/** True when `bytes` start like an SQLite 3 database. */
export function isSqliteDatabase(bytes: Uint8Array): boolean {
	if (bytes.length < SQLITE_MAGIC.length) return false;
	for (let i = 0; i < SQLITE_MAGIC.length; i++)
		if (bytes[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
	return true;
}

/**
 * What a file that does not decode as x-session's binary format holds, and what to type
 * instead: one sentence for a message, or `undefined` when nothing is recognised. `bytes` is
 * the file's content; nothing is written (SQLite files are opened read-only) and nothing read
 * is repeated (a session string found in the file is named by its format only).
 */
export async function whatFileHolds(path: string, bytes: Uint8Array): Promise<string | undefined> {
	if (isSqliteDatabase(bytes)) return describeSqlite(path);
	if (isEncryptedEnvelope(bytes)) return undefined;
	const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes).trim();
	if (/^[A-Za-z0-9+/_=-]{40,}$/.test(text)) return describeString(path, text);
	return undefined;
}

/** A session string saved in a file: named by format, with the location that reads it. */
async function describeString(path: string, text: string): Promise<string> {
	const prefix: Record<string, string> = {
		native: "string",
		compact: "string",
		telethon: "telethon",
		gramjs: "gramjs",
		pyrogram: "pyrogram",
		mtcute: "mtcute",
		mtkruto: "mtkruto",
	};
	try {
		const { detectSessionFormat } = await import("@x/session-convert");
		const found = detectSessionFormat(text);
		const scheme = found.format ? prefix[found.format] : undefined;
		if (found.format && scheme)
			return `it holds a ${found.format} session string as text, not a binary session file: read it with ${scheme}:- < ${path}`;
	} catch {
		// @x/session-convert missing: say what can be said without it
	}
	return `it holds text that looks like a session string, not a binary session file: read it with string:- < ${path} (or telethon:-, gramjs:-, pyrogram:-, mtcute:- for other clients' strings)`;
}

/** better-sqlite3, as far as it is used here (the CLI depends on it; its types are not installed). */
const SQLITE_DRIVER = "better-sqlite3";
type SqliteConstructor = new (
	source: string | Buffer,
	options?: { readonly: boolean; fileMustExist: boolean },
) => { prepare(sql: string): { all(): unknown[] }; close(): void };

/** What kind of SQLite database `path` is, by its tables (opened read-only). */
async function describeSqlite(path: string): Promise<string> {
	const generic = `it is an SQLite database, not a binary session file: an x-session store is read as sqlite:${path}#SESSION, a Telethon or Pyrogram .session file as telethon:${path} or pyrogram:${path}`;
	let tables: Set<string>;
	let sessionColumns: Set<string>;
	try {
		const Database = ((await import(SQLITE_DRIVER)) as { default: SqliteConstructor }).default;
		// an in-memory copy of a WAL-mode file: opened in place it would get -wal and -shm beside it
		const source = sqliteReadOnlySource(path);
		const db =
			typeof source === "string"
				? new Database(source, { readonly: true, fileMustExist: true })
				: new Database(source);
		try {
			const names = (sql: string) =>
				new Set((db.prepare(sql).all() as { name: string }[]).map((r) => r.name));
			tables = names("SELECT name FROM sqlite_master WHERE type = 'table'");
			sessionColumns = tables.has("sessions")
				? names("SELECT name FROM pragma_table_info('sessions')")
				: new Set();
		} finally {
			db.close();
		}
	} catch {
		return generic;
	}
	if (tables.has("xs_sessions"))
		return `it is an x-session SQLite store: read it as sqlite:${path}#SESSION (x-session list sqlite:${path} shows the ids)`;
	if (tables.has("version") && tables.has("sessions") && sessionColumns.has("server_address"))
		return `it is a Telethon session file: read it as telethon:${path}`;
	if (tables.has("version") && tables.has("sessions") && sessionColumns.has("is_bot"))
		return `it is a Pyrogram session file: read it as pyrogram:${path}`;
	if (tables.has("key_value") && tables.has("auth_keys"))
		return "it is an mtcute storage database: import it with importMtcuteSqlite() from @x/session-mtcute";
	if (tables.has("dcs") && tables.has("peers"))
		return `it is a ferogram/layer SQLite database: read it as sqlite:${path}`;
	return generic;
}
