import { existsSync } from "node:fs";
import type { Context } from "../context.js";
import { notFound } from "../errors.js";
import type { Location } from "../location.js";
import { BackendStore } from "./backend-store.js";
import { loadExport, loadFactory } from "./modules.js";

/** `sqlite:PATH#SESSION`: one session of a better-sqlite3 database. Never creates a database on read. */
export function sqliteStore(location: Location & { scheme: "sqlite" }, ctx: Context): BackendStore {
	const { path, sessionId } = location;
	const pkg = "@x/session-sqlite";
	return new BackendStore(location, ctx, {
		format: { name: "sqlite", version: null },
		encryption: "secrets",
		async ensureExists() {
			if (!existsSync(path)) throw notFound(`no such database: ${path}`);
		},
		async open(mode) {
			const Factory = await loadFactory<Record<string, unknown>>(
				"sqlite",
				pkg,
				"SqliteSessionBackend",
			);
			return Factory.open({
				database: path,
				sessionId,
				...(mode === "read" ? { lock: false } : {}),
			});
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
			if (localPath && !existsSync(localPath)) throw notFound(`no such database: ${localPath}`);
		},
		async open(mode) {
			const Factory = await loadFactory<Record<string, unknown>>(
				"libsql",
				pkg,
				"LibsqlSessionBackend",
			);
			return Factory.open({
				...connection,
				sessionId,
				...(mode === "read" ? { lock: false } : {}),
			});
		},
		async list() {
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
				...(mode === "read" ? { lock: false } : {}),
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
