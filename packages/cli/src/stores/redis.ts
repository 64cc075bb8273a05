import type { Redis } from "ioredis";
import type { Context } from "../context.js";
import { CliError, EXIT, usage } from "../errors.js";
import type { Location } from "../location.js";
import { BackendStore } from "./backend-store.js";
import { loadExport, loadFactory, tryExport } from "./modules.js";

const CONNECT_TIMEOUT_MS = 5000;

/** `redis://HOST:PORT/DB?prefix=P#SESSION`: one session under a key prefix (default `xs`). */
export function redisStore(location: Location & { scheme: "redis" }, ctx: Context): BackendStore {
	ctx.addSecret(location.password);
	// the parser reads the first prefix; a second one would be ignored without a word
	if (new URL(location.text).searchParams.getAll("prefix").length > 1)
		throw usage(`the Redis URL gives "prefix" more than once; give it once`);
	let client: Redis | undefined;
	let connecting: Promise<Redis> | undefined;
	const connect = (): Promise<Redis> => {
		connecting ??= (async () => {
			const { Redis } = await import("ioredis");
			const c = new Redis({
				host: location.host,
				port: location.port,
				db: location.db,
				lazyConnect: true,
				connectTimeout: CONNECT_TIMEOUT_MS,
				maxRetriesPerRequest: 1,
				retryStrategy: () => null,
				...(location.username ? { username: location.username } : {}),
				...(location.password ? { password: location.password } : {}),
				...(location.tls ? { tls: {} } : {}),
			});
			let lastError: unknown;
			c.on("error", (error) => {
				lastError = error; // reported through the failing command
			});
			client = c;
			const where = `${location.host}:${location.port}`;
			try {
				await c.connect();
				// ioredis reports a refused SELECT only as an 'error' event and stays on db 0, where
				// convert would write and inspect find nothing: the db is selected again and checked
				if (location.db !== 0) await c.select(location.db);
			} catch (cause) {
				const real = lastError ?? cause;
				const refused =
					real instanceof Error &&
					/DB index|invalid DB|not an integer or out of range/i.test(real.message);
				if (refused)
					throw new CliError(
						EXIT.USAGE,
						`redis at ${where} has no database ${location.db} (${real.message}); use an index below its "databases" setting (16 by default)`,
						{ cause },
					);
				const errno = (real as { code?: unknown }).code;
				const message = real instanceof Error ? real.message : String(real);
				const text =
					typeof errno === "string" && !message.includes(errno) ? `${errno}: ${message}` : message;
				const auth = /WRONGPASS|NOAUTH|invalid password|AUTH/i.test(text);
				throw new CliError(
					EXIT.CONNECTION,
					auth
						? `redis at ${where} refused the credentials`
						: `cannot connect to redis at ${where}: ${text}`,
					{ cause },
				);
			}
			return c;
		})();
		return connecting;
	};
	const common = () => ({ prefix: location.prefix });
	const format: { name: string; version: number | null } = { name: "redis", version: null };
	return new BackendStore(location, ctx, {
		format,
		encryption: "secrets",
		async open(mode) {
			format.version = (await tryExport<number>("@x/session-redis", "LAYOUT_VERSION")) ?? null;
			const Factory = await loadFactory<Record<string, unknown>>(
				"redis",
				"@x/session-redis",
				"RedisSessionBackend",
			);
			const c = await connect();
			return Factory.open({
				client: c,
				...common(),
				sessionId: location.sessionId,
				lock: mode === "write",
				...(mode === "read" ? { readOnly: true } : {}),
			});
		},
		async list() {
			const list = await loadExport<(o: Record<string, unknown>) => Promise<string[]>>(
				"redis",
				"@x/session-redis",
				"listRedisSessions",
			);
			return list({ client: await connect(), ...common() });
		},
		async dispose() {
			if (!client) return;
			try {
				await client.quit();
			} catch {
				client.disconnect();
			}
		},
	});
}
