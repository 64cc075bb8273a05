import type { SessionBackend } from "@x/session-core";
import type { Context } from "../context.js";
import { notFound } from "../errors.js";
import type { Location } from "../location.js";
import { BackendStore, type MigrateResult } from "./backend-store.js";
import { directoryGiven, ensureParentDirectory, pathKind } from "./local-path.js";
import { loadExport, loadFactory } from "./modules.js";

/** `sqlite:PATH#SESSION`: one session of a better-sqlite3 database. Never creates a database on read. */
export function sqliteStore(location: Location & { scheme: "sqlite" }, ctx: Context): BackendStore {
	const { path, sessionId } = location;
	const pkg = "@x/session-sqlite";
	return new BackendStore(location, ctx, {
		format: { name: "sqlite", version: null },
		encryption: "secrets",
		async ensureExists() {
			await localDatabase(path, "sqlite", "read");
		},
		async open(mode) {
			await localDatabase(path, "sqlite", mode);
			const Factory = await loadFactory<Record<string, unknown>>(
				"sqlite",
				pkg,
				"SqliteSessionBackend",
			);
			return Factory.open({
				database: path,
				sessionId,
				...(mode === "read" ? { lock: false, readOnly: true } : {}),
			});
		},
		async migrate() {
			const Factory = await loadFactory<Record<string, unknown>>(
				"sqlite",
				pkg,
				"SqliteSessionBackend",
			);
			return migrated(await Factory.open({ database: path, migrateForeign: true }));
		},
		async list() {
			const backend = await loadExport<{ listSessions(database: string): Promise<string[]> }>(
				"sqlite",
				pkg,
				"SqliteSessionBackend",
			);
			return backend.listSessions(path);
		},
	});
}

/**
 * Checks a local database path before it is opened: a directory is a usage error (SQLite would
 * say EISDIR, or the mode check "chmod 600" on a read-write open); a missing one is "no such
 * database" for a read, and for a write its missing directories are created 0700, as for file:.
 */
async function localDatabase(
	path: string,
	scheme: "sqlite" | "libsql",
	mode: "read" | "write",
): Promise<void> {
	const at = await pathKind(path);
	if (at.kind === "directory")
		throw directoryGiven(
			path,
			`${scheme === "libsql" ? "libsql:file:" : "sqlite:"}${path}/sessions.db#SESSION`,
		);
	if (at.kind === "missing") {
		if (mode === "read") throw notFound(`no such database: ${path}`);
		await ensureParentDirectory(path);
	}
}

/** `libsql:URL#SESSION`: one session of a libSQL database (token from `LIBSQL_AUTH_TOKEN`). */
export function libsqlStore(location: Location & { scheme: "libsql" }, ctx: Context): BackendStore {
	const { url, localPath, sessionId } = location;
	const pkg = "@x/session-libsql";
	const authToken = ctx.io.env.LIBSQL_AUTH_TOKEN;
	ctx.addSecret(authToken);
	const connection = { url, ...(authToken ? { authToken } : {}) };
	return new BackendStore(location, ctx, {
		format: { name: "libsql", version: null },
		encryption: "secrets",
		async ensureExists() {
			if (localPath) await localDatabase(localPath, "libsql", "read");
		},
		async open(mode) {
			if (localPath) await localDatabase(localPath, "libsql", mode);
			// a local file is a SQLite file: read through better-sqlite3, which can read it without
			// creating anything (libSQL leaves -wal and -shm files beside a WAL database it opened)
			if (mode === "read" && localPath) {
				const Sqlite = await loadFactory<Record<string, unknown>>(
					"libsql",
					"@x/session-sqlite",
					"SqliteSessionBackend",
				);
				return Sqlite.open({ database: localPath, sessionId, readOnly: true });
			}
			const Factory = await loadFactory<Record<string, unknown>>(
				"libsql",
				pkg,
				"LibsqlSessionBackend",
			);
			return Factory.open({
				...connection,
				sessionId,
				...(mode === "read" ? { lock: false, readOnly: true } : {}),
			});
		},
		async migrate() {
			const Factory = await loadFactory<Record<string, unknown>>(
				"libsql",
				pkg,
				"LibsqlSessionBackend",
			);
			return migrated(await Factory.open({ ...connection, migrateForeign: true }));
		},
		async list() {
			if (localPath) {
				const sqlite = await loadExport<{ listSessions(database: string): Promise<string[]> }>(
					"libsql",
					"@x/session-sqlite",
					"SqliteSessionBackend",
				);
				return sqlite.listSessions(localPath); // read-only, as open("read") above
			}
			const backend = await loadExport<{ listSessions(c: typeof connection): Promise<string[]> }>(
				"libsql",
				pkg,
				"LibsqlSessionBackend",
			);
			return backend.listSessions(connection);
		},
	});
}

/** `postgres://USER@HOST:PORT/DB?schema=S#SESSION`: one session of a PostgreSQL schema. */
export function postgresStore(
	location: Location & { scheme: "postgres" },
	ctx: Context,
): BackendStore {
	ctx.addSecret(location.password);
	const pkg = "@x/session-postgres";
	const connection = {
		connectionString: location.url,
		...(location.schema ? { schema: location.schema } : {}),
	};
	return new BackendStore(location, ctx, {
		format: { name: "postgres", version: null },
		encryption: "secrets",
		async open(mode) {
			const Factory = await loadFactory<Record<string, unknown>>(
				"postgres",
				pkg,
				"PostgresSessionBackend",
			);
			return Factory.open({
				...connection,
				sessionId: location.sessionId,
				...(mode === "read" ? { lock: false, readOnly: true } : {}),
			});
		},
		async list() {
			const backend = await loadExport<{ listSessions(c: typeof connection): Promise<string[]> }>(
				"postgres",
				pkg,
				"PostgresSessionBackend",
			);
			return backend.listSessions(connection);
		},
	});
}

/** What a `migrateForeign` open did (the backend's `imported`), with the imported session's size. */
async function migrated(backend: SessionBackend): Promise<MigrateResult> {
	try {
		const imported = (backend as { imported?: { backup: string | undefined } }).imported;
		const session = imported ? await backend.load() : null;
		return {
			imported: imported !== undefined,
			backup: imported?.backup,
			peers: session?.peers.length,
		};
	} finally {
		await backend.close();
	}
}
