// Our backends through the default API the README shows: one `XxxSessionBackend.open({...})`
// per session, nothing created or shared by hand.
import type { SessionBackend } from "@x/session-core";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { PostgresSessionBackend } from "@x/session-postgres";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import type { SessionWriter } from "./load.js";
import { PG_URL, REDIS_URL } from "./servers.js";
import type { BackendName } from "./stores.js";
import { type OpenedSessions, openMany, type Subject, sessionIdOf } from "./subject.js";

const OPEN_BATCH = 20;

/** The lease option, only when the run sets one (else each backend's default). */
const lease = (leaseTtlMs: number | undefined) => (leaseTtlMs ? { leaseTtlMs } : {});

function writer(b: SessionBackend): SessionWriter {
	return {
		applyUpdateState: (pts, date, seq) => b.applyUpdateState({ type: "primary", pts, date, seq }),
		cachePeers: (peers) => b.cachePeers(peers),
	};
}

async function closeAll(backends: SessionBackend[]): Promise<void> {
	await Promise.allSettled(backends.map((b) => b.close()));
}

function opened(
	result: { opened: SessionBackend[]; shortBecause?: string },
	after: () => Promise<void> = async () => {},
): OpenedSessions {
	return {
		writers: result.opened.map(writer),
		...(result.shortBecause ? { shortBecause: result.shortBecause } : {}),
		close: async () => {
			await closeAll(result.opened);
			await after();
		},
	};
}

const sqliteFull = async () => "WAL, synchronous FULL (default): fsync per commit";

export const apiSubjects: Record<BackendName, Subject> = {
	sqlite: {
		backend: "sqlite",
		kind: "x-session",
		how: "`SqliteSessionBackend.open({ database: file, sessionId })` per session",
		durability: sqliteFull,
		open: async (n, at, _stores, leaseTtlMs) =>
			opened(
				await openMany(n, OPEN_BATCH, (i) =>
					SqliteSessionBackend.open({
						database: at.file,
						sessionId: sessionIdOf(i),
						...lease(leaseTtlMs),
					}),
				),
			),
	},
	libsql: {
		backend: "libsql",
		kind: "x-session",
		how: "`LibsqlSessionBackend.open({ url: `file:…`, sessionId })` per session",
		durability: sqliteFull,
		open: async (n, at, _stores, leaseTtlMs) =>
			opened(
				await openMany(n, OPEN_BATCH, (i) =>
					LibsqlSessionBackend.open({
						url: `file:${at.file}`,
						sessionId: sessionIdOf(i),
						...lease(leaseTtlMs),
					}),
				),
			),
	},
	postgres: {
		backend: "postgres",
		kind: "x-session",
		how: "`PostgresSessionBackend.open({ connectionString, schema, sessionId })` per session",
		durability: (stores) => stores.pg.durability(),
		open: async (n, at, stores, leaseTtlMs) =>
			opened(
				await openMany(
					n,
					5,
					(i) =>
						PostgresSessionBackend.open({
							connectionString: PG_URL,
							schema: at.schema,
							sessionId: sessionIdOf(i),
							...lease(leaseTtlMs),
						}),
					(about) => stores.refuseMorePostgres(about),
				),
			),
	},
	redis: {
		backend: "redis",
		kind: "x-session",
		how: "`RedisSessionBackend.open({ url, prefix, sessionId })` per session (the client is the backend's, shared by the sessions of one url)",
		durability: (stores) => stores.redis.durability(),
		open: async (n, at, _stores, leaseTtlMs) =>
			opened(
				await openMany(n, OPEN_BATCH, (i) =>
					RedisSessionBackend.open({
						url: REDIS_URL,
						prefix: at.prefix,
						sessionId: sessionIdOf(i),
						...lease(leaseTtlMs),
					}),
				),
			),
	},
};
