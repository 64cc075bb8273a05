// Where each backend's sessions live for one measurement (a fresh SQLite file, PostgreSQL
// schema or Redis prefix), how many server connections this process holds there, and the
// clean-up that leaves nothing behind.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresAdmin, RedisAdmin } from "./servers.js";

export const BACKENDS = ["sqlite", "libsql", "postgres", "redis"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Free connections left to the other users of the shared PostgreSQL server: opening stops there. */
export const PG_HEADROOM = 25;

/** One measurement's place: a file, a schema or a prefix. */
export interface Location {
	/** `sqlite`/`libsql`: the database file. */
	file: string;
	/** `postgres`: the schema. */
	schema: string;
	/** `redis`: the key prefix. */
	prefix: string;
}

export class Stores {
	readonly #dir = mkdtempSync(join(tmpdir(), "xs-accounts-"));
	readonly pg = new PostgresAdmin();
	readonly redis = new RedisAdmin();
	#made: { backend: BackendName; at: Location }[] = [];

	fresh(backend: BackendName): Location {
		const tag = randomBytes(4).toString("hex");
		const at: Location = {
			file: join(this.#dir, `${backend}-${tag}.db`),
			schema: `xs_accounts_${tag}`,
			prefix: `xs-accounts-${tag}`,
		};
		this.#made.push({ backend, at });
		return at;
	}

	/** Server connections this process holds for `backend`; `undefined` for a file database. */
	async connections(backend: BackendName): Promise<number | undefined> {
		if (backend === "postgres") return (await this.pg.connections()).ours;
		if (backend === "redis") return this.redis.connections();
		return undefined;
	}

	/** Why no more sessions may be opened on the shared PostgreSQL server now, if so. */
	async refuseMorePostgres(about: number): Promise<string | undefined> {
		const c = await this.pg.connections();
		if (c.total + about <= c.max - PG_HEADROOM) return undefined;
		return `stopped opening: the shared server had ${c.total} of ${c.max} connections (${c.ours} ours); ${PG_HEADROOM} are left to its other users`;
	}

	async drop(backend: BackendName, at: Location): Promise<void> {
		if (backend === "postgres") await this.pg.query(`DROP SCHEMA IF EXISTS "${at.schema}" CASCADE`);
		else if (backend === "redis") await this.redis.dropPrefix(at.prefix);
		else for (const suffix of ["", "-wal", "-shm"]) rmSync(at.file + suffix, { force: true });
		this.#made = this.#made.filter((m) => m.at !== at);
	}

	/** Drops whatever is left (a run that failed midway) and closes the admin connections. */
	async close(): Promise<void> {
		for (const m of [...this.#made]) await this.drop(m.backend, m.at).catch(() => undefined);
		rmSync(this.#dir, { recursive: true, force: true });
		await this.pg.close();
		await this.redis.close();
	}
}
