// The shared servers as the bench sees them: how durable they are configured, and how many
// connections this process holds on them (counted by the server, matched on our local ports).
import { Redis } from "ioredis";
import pg from "pg";
import { localPortsTo } from "./process-stats.js";

export const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);
export const PG_PORT = portOf(PG_URL, 5432);
export const REDIS_PORT = portOf(REDIS_URL, 6379);

/** One admin connection per server for the whole run (its own connection is never counted). */
export class PostgresAdmin {
	readonly #client = new pg.Client({
		connectionString: PG_URL,
		application_name: "xs-bench-admin",
	});
	#connected: Promise<unknown> | undefined;

	async query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]> {
		this.#connected ??= this.#client.connect();
		await this.#connected;
		return (await this.#client.query<T>(sql, params)).rows;
	}

	async durability(): Promise<string> {
		const [row] = await this.query<{ s: string; f: string }>(
			"SELECT current_setting('synchronous_commit') AS s, current_setting('fsync') AS f",
		);
		return `synchronous_commit ${row?.s}, fsync ${row?.f}`;
	}

	/** Client connections from this process (excluding this one), and the server's in all. */
	async connections(): Promise<{ ours: number; total: number; max: number }> {
		const ports = [...localPortsTo(PG_PORT)];
		const [row] = await this.query<{ ours: number; total: number; max: number }>(
			`SELECT count(*) FILTER (WHERE client_port = ANY($1::int[]) AND pid <> pg_backend_pid())::int AS ours,
			        count(*)::int AS total, current_setting('max_connections')::int AS max
			   FROM pg_stat_activity WHERE backend_type = 'client backend'`,
			[ports],
		);
		return row ?? { ours: 0, total: 0, max: 0 };
	}

	async close(): Promise<void> {
		if (this.#connected) await this.#client.end();
	}
}

export class RedisAdmin {
	readonly #client = new Redis(REDIS_URL, { lazyConnect: true, connectionName: "xs-bench-admin" });
	#id: number | undefined;

	async #ready(): Promise<Redis> {
		if (this.#id === undefined) {
			await this.#client.connect();
			this.#id = Number(await this.#client.client("ID"));
		}
		return this.#client;
	}

	async durability(): Promise<string> {
		const c = await this.#ready();
		const [, aof] = (await c.config("GET", "appendonly")) as string[];
		const [, fsync] = (await c.config("GET", "appendfsync")) as string[];
		return aof === "yes" ? `AOF, appendfsync ${fsync}` : "server memory (no AOF)";
	}

	/** Connections from this process (excluding this one), as CLIENT LIST shows them. */
	async connections(): Promise<number> {
		const c = await this.#ready();
		const ports = localPortsTo(REDIS_PORT);
		const list = String(await c.client("LIST"));
		let ours = 0;
		for (const line of list.split("\n")) {
			const id = Number(/(?:^| )id=(\d+)/.exec(line)?.[1]);
			const port = Number(/ addr=[^ ]*:(\d+)/.exec(line)?.[1]);
			if (id !== this.#id && ports.has(port)) ours++;
		}
		return ours;
	}

	/** Deletes every key under the prefix (SCAN + UNLINK). */
	async dropPrefix(prefix: string): Promise<number> {
		const c = await this.#ready();
		let cursor = "0";
		let dropped = 0;
		do {
			const [next, keys] = await c.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 1000);
			cursor = next;
			if (keys.length > 0) dropped += await c.unlink(...keys);
		} while (cursor !== "0");
		return dropped;
	}

	async close(): Promise<void> {
		if (this.#id !== undefined) await this.#client.quit();
	}
}
