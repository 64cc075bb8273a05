// One place that knows how to open each backend: the "switch by changing one line" of the seeds.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";

export const BACKENDS = ["memory", "string", "file", "sqlite", "libsql", "redis"] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface Opened {
	backend: SessionBackend;
	/** Where the session lives, for the log line (no secrets). */
	where: string;
	/** Extra cleanup after close (connections the example created). */
	dispose?: () => Promise<void>;
}

/** Opens the chosen backend under `dataDir`, with write coalescing where the backend has it. */
export async function openBackend(name: BackendName, dataDir: string): Promise<Opened> {
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	switch (name) {
		case "memory": {
			const { MemorySessionBackend } = await import("@x/session-memory");
			return { backend: new MemorySessionBackend(), where: "process memory (gone on exit)" };
		}
		case "string": {
			// The string only survives if it is stored again: keep it in a 0600 file, like an env file.
			const { StringSessionBackend } = await import("@x/session-string");
			const path = join(dataDir, "bot.session.txt");
			let initial = "";
			try {
				initial = readFileSync(path, "utf8");
			} catch {}
			const backend = new StringSessionBackend(initial, {
				onChange: (value: string) => {
					writeFileSync(path, value, { mode: 0o600 });
					chmodSync(path, 0o600);
				},
			});
			return { backend, where: path };
		}
		case "file": {
			const { FileSessionBackend } = await import("@x/session-file");
			const path = join(dataDir, "bot.session");
			return { backend: await FileSessionBackend.open({ path, flushInterval: 1000 }), where: path };
		}
		case "sqlite": {
			const { SqliteSessionBackend } = await import("@x/session-sqlite");
			const path = join(dataDir, "bot.sqlite");
			const backend = await SqliteSessionBackend.open({
				database: path,
				sessionId: "bot",
				flushInterval: 1000,
			});
			return { backend, where: `${path}#bot` };
		}
		case "libsql": {
			const { LibsqlSessionBackend } = await import("@x/session-libsql");
			const url = process.env.LIBSQL_URL ?? `file:${join(dataDir, "bot.libsql.db")}`;
			const authToken = process.env.LIBSQL_AUTH_TOKEN;
			const backend = await LibsqlSessionBackend.open({
				url,
				...(authToken ? { authToken } : {}),
				sessionId: "bot",
			});
			return { backend, where: `${url.replace(/\?.*$/, "")}#bot` };
		}
		case "redis": {
			const { Redis } = await import("ioredis");
			const { RedisSessionBackend } = await import("@x/session-redis");
			const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
			const client = new Redis(url, {
				lazyConnect: true,
				connectTimeout: 3000,
				maxRetriesPerRequest: 1,
			});
			await client.connect();
			const backend = await RedisSessionBackend.open({
				client,
				prefix: "xs-quickstart",
				sessionId: "bot",
			});
			return {
				backend,
				where: `${new URL(url).host}/xs-quickstart#bot`,
				dispose: async () => {
					await client.quit();
				},
			};
		}
	}
}
