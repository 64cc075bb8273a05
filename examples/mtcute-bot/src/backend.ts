// Where the bot keeps its storage: a SQLite file by default, Redis when REDIS_URL is set.
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { Redis } from "ioredis";

export const REDIS_PREFIX = "xs-mtcute-bot";

export interface OpenedBackend {
	backend: SessionBackend;
	/** Where the data sits, for the log: a path or a Redis host and key prefix (no credentials). */
	where: () => string;
	/** Closes what the backend does not own (the Redis connection). */
	dispose: () => Promise<void>;
}

export async function openBackend(dataDir: string, sessionId: string): Promise<OpenedBackend> {
	const url = process.env.REDIS_URL;
	if (url) {
		const client = new Redis(url, {
			lazyConnect: true,
			connectTimeout: 3000,
			maxRetriesPerRequest: 1,
		});
		await client.connect();
		const backend = await RedisSessionBackend.open({ client, prefix: REDIS_PREFIX, sessionId });
		const host = new URL(url).host; // the URL's password stays out of the log
		return {
			backend,
			where: () => `Redis ${host}, prefix "${REDIS_PREFIX}", session "${sessionId}"`,
			dispose: async () => {
				await client.quit();
			},
		};
	}
	mkdirSync(dataDir, { recursive: true });
	const path = join(dataDir, "mtcute-bot.db");
	const backend = await SqliteSessionBackend.open({ database: path, sessionId });
	return {
		backend,
		where: () => {
			const mode = (statSync(path).mode & 0o777).toString(8).padStart(4, "0");
			return `SQLite ${path} (mode ${mode}), session "${sessionId}"`;
		},
		dispose: async () => {},
	};
}
