// A second process that tries to take sessions over while the bench loads them: it opens each
// of the sessions it is given (no waiting for the lease) over and over, and counts the opens
// that succeed. A success means the holder's lease had expired under it (a renewal starved).
// Spawned by rival-process.ts; "go" and "stop" arrive on stdin, the counts leave on stdout.
import { createInterface } from "node:readline";
import { type SessionBackend, SessionLockedError } from "@x/session-core";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { PostgresSessionBackend } from "@x/session-postgres";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { Redis } from "ioredis";
import type { RivalTask } from "./rival-process.js";
import { PG_URL, REDIS_URL } from "./servers.js";

const task = JSON.parse(process.argv[2] as string) as RivalTask;
const redis = task.backend === "redis" ? new Redis(REDIS_URL, { lazyConnect: true }) : undefined;
await redis?.connect();

function open(sessionId: string): Promise<SessionBackend> {
	const lease = { sessionId, leaseTtlMs: task.leaseTtlMs };
	switch (task.backend) {
		case "sqlite":
			return SqliteSessionBackend.open({ database: task.at.file, ...lease });
		case "libsql":
			return LibsqlSessionBackend.open({ url: `file:${task.at.file}`, ...lease });
		case "postgres":
			return PostgresSessionBackend.open({
				connectionString: PG_URL,
				schema: task.at.schema,
				...lease,
			});
		case "redis":
			return RedisSessionBackend.open({ client: redis as Redis, prefix: task.at.prefix, ...lease });
	}
}

let stop = false;
let attempts = 0;
let takeovers = 0;
const errors = new Map<string, string>();
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) =>
	lines.on("line", (line) => {
		if (line === "go") resolve();
		if (line === "stop") stop = true;
	}),
);
console.log("ready");
await go;
while (!stop) {
	for (const id of task.sessionIds) {
		if (stop) break;
		attempts++;
		try {
			const b = await open(id);
			takeovers++;
			await b.close();
		} catch (error) {
			if (!(error instanceof SessionLockedError) && error instanceof Error)
				errors.set(error.name, `${error.name}: ${error.message}`);
		}
	}
	await new Promise((r) => setTimeout(r, 100));
}
console.log(JSON.stringify({ attempts, takeovers, errors: [...errors.values()] }));
lines.close();
await redis?.quit();
