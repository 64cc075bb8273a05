import { createRequire } from "node:module";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { MemorySessionBackend } from "@x/session-memory";
import { mtcuteStorage } from "@x/session-mtcute";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { mtcutePlatform, mtcuteQuietLog } from "../lib.js";

// What `pnpm bench mtcute` compares: the adapter on our backends and mtcute's own storages,
// behind the repository surface mtcute uses.

const require = createRequire(import.meta.url);
const { MemoryStorage } = require("@mtcute/core");
const { SqliteStorage } = require("@mtcute/node");

/** mtcute's `PeerInfo`, as its peers service writes it. */
export interface PeerInfo {
	id: number;
	accessHash: string;
	isMin: boolean;
	usernames: string[];
	updated: number;
	phone?: string;
	complete: Uint8Array;
}

/** The repository surface mtcute uses, common to its storages and ours. */
export interface Repos {
	driver: {
		setup?(log: unknown, platform?: unknown): void;
		load?(): unknown;
		save?(): unknown;
		destroy?(): unknown;
	};
	kv: { set(key: string, value: Uint8Array): unknown; get(key: string): unknown };
	peers: {
		store(peer: PeerInfo): unknown;
		getById(id: number): unknown;
		getByUsername(username: string): unknown;
	};
}

const log = mtcuteQuietLog;
const platform = mtcutePlatform;

/** A place the storage lives; `open()` again after `close()` reads the same data (a restart). */
export interface Store {
	open(): Promise<Repos>;
	close(s: Repos): Promise<void>;
	cleanup(): Promise<void>;
}

export interface Subject {
	name: string;
	/** The adapter on SQLite: rows the targets are stated for. */
	role?: "durable" | "relaxed" | "mtcute-sqlite";
	create(dir: string): Store;
}

export const errors: unknown[] = [];

/** The adapter on a backend that `open()` makes afresh on the same place each time. */
function adapter(open: () => Promise<SessionBackend>): Omit<Store, "cleanup"> {
	return {
		async open() {
			const s = mtcuteStorage(await open(), { onError: (e) => errors.push(e) });
			s.driver.setup(log);
			await s.driver.load();
			return s as unknown as Repos;
		},
		async close(s) {
			await s.driver.destroy?.();
		},
	};
}

const { Redis } = require("ioredis");
// biome-ignore lint/suspicious/noExplicitAny: ioredis client
let redis: any;
async function redisClient(): Promise<unknown> {
	if (!redis) {
		redis = new Redis({
			host: "127.0.0.1",
			port: 6379,
			lazyConnect: true,
			maxRetriesPerRequest: 1,
		});
		await redis.connect();
	}
	return redis;
}

/** Closes the shared Redis client, when a subject opened it. */
export async function closeRedis(): Promise<void> {
	await redis?.quit();
}

export const subjects: Subject[] = [
	{
		name: "x-session mtcute on sqlite (durable, synchronous=FULL)",
		role: "durable",
		create: (dir) => ({
			...adapter(() => SqliteSessionBackend.open({ database: join(dir, "s.db") })),
			cleanup: async () => {},
		}),
	},
	{
		name: "x-session mtcute on sqlite (synchronous=NORMAL)",
		role: "relaxed",
		create: (dir) => ({
			...adapter(() =>
				SqliteSessionBackend.open({ database: join(dir, "n.db"), synchronous: "normal" }),
			),
			cleanup: async () => {},
		}),
	},
	{
		name: "x-session mtcute on libsql local (durable)",
		create: (dir) => ({
			...adapter(() => LibsqlSessionBackend.open({ url: `file:${join(dir, "l.db")}` })),
			cleanup: async () => {},
		}),
	},
	{
		name: "x-session mtcute on redis",
		create: (dir) => {
			const prefix = `xs-bench-mtcute-${dir.slice(-6)}-${Math.random().toString(36).slice(2, 8)}`;
			return {
				...adapter(async () =>
					// the default 15 s lease runs out during one 100k save on a loaded machine (see notes)
					RedisSessionBackend.open({
						client: (await redisClient()) as never,
						prefix,
						leaseTtlMs: 120_000,
					}),
				),
				async cleanup() {
					const client = (await redisClient()) as typeof redis;
					let cursor = "0";
					do {
						const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
						cursor = next;
						if (keys.length > 0) await client.unlink(...keys);
					} while (cursor !== "0");
				},
			};
		},
	},
	{
		name: "x-session mtcute on memory",
		create: () => {
			let last: MemorySessionBackend | undefined;
			return {
				...adapter(async () => {
					last = new MemorySessionBackend(last?.snapshot() ?? null);
					return last;
				}),
				cleanup: async () => {},
			};
		},
	},
	{
		name: "mtcute SqliteStorage (WAL, commits not fsynced)",
		role: "mtcute-sqlite",
		create: (dir) => ({
			async open() {
				const s = new SqliteStorage(join(dir, "m.session"));
				s.driver.setup(log, platform);
				await s.driver.load();
				observed.sqliteSync ??= s.driver.db.pragma("synchronous", { simple: true });
				return s;
			},
			close: async (s) => {
				await s.driver.destroy?.();
			},
			cleanup: async () => {},
		}),
	},
	{
		name: "mtcute MemoryStorage (nothing persisted)",
		create: () => {
			// nothing to reopen: the same instance serves the lookups
			let s: Repos | undefined;
			return {
				async open() {
					if (!s) {
						s = new MemoryStorage() as Repos;
						s.driver.setup?.(log, platform);
						await s.driver.load?.();
					}
					return s;
				},
				close: async () => {},
				cleanup: async () => {},
			};
		},
	},
];
/** mtcute SqliteStorage's PRAGMA synchronous, as first seen (for the report). */
export const observed: { sqliteSync?: number } = {};
