// Every backend the adapter is tested on, each as a store that can be opened again (a restart).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { FileSessionBackend } from "@x/session-file";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { MemorySessionBackend } from "@x/session-memory";
import { PostgresSessionBackend } from "@x/session-postgres";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { StringSessionBackend } from "@x/session-string";
import {
	dropSchema,
	PG_URL,
	available as postgresUp,
	randomSchema,
} from "../../postgres/test/helpers.js";
import { deletePrefix, randomPrefix, sharedClient } from "../../redis/test/servers.js";

export interface Store {
	/** A backend on this store; called again after the previous one was closed, it reads the same data. */
	open(): Promise<SessionBackend>;
	cleanup(): Promise<void>;
}

export interface StoreKind {
	name: string;
	/** Resident (everything read at load) or asked per lookup. */
	native: boolean;
	available: boolean;
	create(): Store;
}

export const redis = sharedClient();
const redisUp = await serviceAvailable("redis", () => redis.ping());
if (!redisUp) redis.disconnect();

function tempDir(): string {
	return mkdtempSync(join(tmpdir(), "xs-mtcute-"));
}

export const STORES: StoreKind[] = [
	{
		name: "memory",
		native: false,
		available: true,
		create() {
			let last: MemorySessionBackend | undefined;
			return {
				async open() {
					last = new MemorySessionBackend(last?.snapshot() ?? null);
					return last;
				},
				async cleanup() {},
			};
		},
	},
	{
		name: "string",
		native: false,
		available: true,
		create() {
			let last: StringSessionBackend | undefined;
			return {
				async open() {
					last = new StringSessionBackend(last?.current() ?? "");
					return last;
				},
				async cleanup() {},
			};
		},
	},
	{
		name: "file",
		native: false,
		available: true,
		create() {
			const dir = tempDir();
			return {
				open: () => FileSessionBackend.open({ path: join(dir, "bot.session") }),
				async cleanup() {
					rmSync(dir, { recursive: true, force: true });
				},
			};
		},
	},
	{
		name: "sqlite",
		native: true,
		available: true,
		create() {
			const dir = tempDir();
			return {
				open: () => SqliteSessionBackend.open({ database: join(dir, "bots.db"), sessionId: "bot" }),
				async cleanup() {
					rmSync(dir, { recursive: true, force: true });
				},
			};
		},
	},
	{
		name: "libsql",
		native: true,
		available: true,
		create() {
			const dir = tempDir();
			return {
				open: () =>
					LibsqlSessionBackend.open({ url: `file:${join(dir, "bots.db")}`, sessionId: "bot" }),
				async cleanup() {
					rmSync(dir, { recursive: true, force: true });
				},
			};
		},
	},
	{
		name: "redis",
		native: true,
		available: redisUp,
		create() {
			const prefix = randomPrefix();
			return {
				open: () => RedisSessionBackend.open({ client: redis, prefix, sessionId: "bot" }),
				cleanup: () => deletePrefix(redis, prefix),
			};
		},
	},
	{
		name: "postgres",
		native: true,
		available: postgresUp,
		create() {
			const schema = randomSchema();
			return {
				open: () =>
					PostgresSessionBackend.open({ connectionString: PG_URL, schema, sessionId: "bot" }),
				cleanup: () => dropSchema(schema),
			};
		},
	},
];

/** Counts the calls a backend receives (it still does the real work). */
export function counting(backend: SessionBackend): {
	backend: SessionBackend;
	calls: Map<string, number>;
} {
	const calls = new Map<string, number>();
	const proxy = new Proxy(backend, {
		get(target, prop, receiver) {
			const value = Reflect.get(target, prop, receiver);
			if (typeof value !== "function" || typeof prop !== "string") return value;
			return (...args: unknown[]) => {
				calls.set(prop, (calls.get(prop) ?? 0) + 1);
				return (value as (...a: unknown[]) => unknown).apply(target, args);
			};
		},
	});
	return { backend: proxy, calls };
}
