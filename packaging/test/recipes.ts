// How a user opens each backend, as it would appear in their own code. A package without a recipe
// still gets the generic checks (every entry point imports, type-checks, loads from CommonJS).

export interface BackendRecipe {
	/** Import lines for the backend (and its driver, when the user creates the client). */
	imports: string;
	/** Statements run first (client setup, unique names). */
	setup?: string;
	/** An expression that opens the backend (may `await`). */
	open: string;
	/**
	 * An expression that opens the same session again after `first` was closed; absent for a
	 * backend that keeps nothing after close (then the same instance is loaded before closing).
	 */
	reopen?: string;
	/** Statements run at the end (drop test data, close clients). */
	cleanup?: string;
	/** A server the script talks to; checked before the test runs. */
	service?: "redis" | "postgres";
}

export const RECIPES: Record<string, BackendRecipe> = {
	memory: {
		imports: `import { MemorySessionBackend } from "@x/session-memory";`,
		open: "new MemorySessionBackend()",
	},
	string: {
		imports: `import { StringSessionBackend } from "@x/session-string";`,
		setup: "let saved = '';",
		open: "new StringSessionBackend('', { onChange: (text) => { saved = text; } })",
		reopen: "new StringSessionBackend(saved)",
	},
	file: {
		imports: `import { FileSessionBackend } from "@x/session-file";`,
		open: `await FileSessionBackend.open({ path: "./bot.session" })`,
		reopen: `await FileSessionBackend.open({ path: "./bot.session" })`,
	},
	sqlite: {
		imports: `import { SqliteSessionBackend } from "@x/session-sqlite";`,
		open: `await SqliteSessionBackend.open({ database: "./bots.db", sessionId: "smoke" })`,
		reopen: `await SqliteSessionBackend.open({ database: "./bots.db", sessionId: "smoke" })`,
	},
	libsql: {
		imports: `import { LibsqlSessionBackend } from "@x/session-libsql";`,
		open: `await LibsqlSessionBackend.open({ url: "file:./bots.db", sessionId: "smoke" })`,
		reopen: `await LibsqlSessionBackend.open({ url: "file:./bots.db", sessionId: "smoke" })`,
	},
	redis: {
		service: "redis",
		imports: `import { Redis } from "ioredis";\nimport { RedisSessionBackend } from "@x/session-redis";`,
		setup: [
			`const client = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });`,
			"const prefix = `xs-smoke-${process.pid}-${Date.now()}`;",
		].join("\n"),
		open: `await RedisSessionBackend.open({ client, prefix, sessionId: "smoke" })`,
		reopen: `await RedisSessionBackend.open({ client, prefix, sessionId: "smoke" })`,
		cleanup: [
			"const keys = await client.keys(`${prefix}*`);",
			"if (keys.length > 0) await client.del(...keys);",
			"await client.quit();",
		].join("\n"),
	},
	postgres: {
		service: "postgres",
		imports: `import pg from "pg";\nimport { PostgresSessionBackend } from "@x/session-postgres";`,
		setup: [
			`const connectionString = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";`,
			"const schema = `xs_smoke_${process.pid}_${Date.now()}`;",
		].join("\n"),
		open: `await PostgresSessionBackend.open({ connectionString, schema, sessionId: "smoke" })`,
		reopen: `await PostgresSessionBackend.open({ connectionString, schema, sessionId: "smoke" })`,
		cleanup: [
			"const admin = new pg.Client({ connectionString });",
			"await admin.connect();",
			'await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);',
			"await admin.end();",
		].join("\n"),
	},
};

/**
 * The user's script: saves a session with a key and a peer, closes, opens again and checks what
 * loads. Plain JavaScript that is also strict TypeScript, so the same text is run and type-checked.
 */
export function saveLoadScript(recipe: BackendRecipe): string {
	const reopen = recipe.reopen
		? `await first.close();\nconst second = ${recipe.reopen};`
		: "const second = first;";
	return `import assert from "node:assert/strict";
import { decodeSession, emptySession, encodeSession, SecretBytes, type SessionBackend } from "@x/session-core";
${recipe.imports}

${recipe.setup ?? ""}
const key = new Uint8Array(256);
for (let i = 0; i < key.length; i++) key[i] = (i * 7 + 3) & 0xff;
const session = emptySession();
session.homeDcId = 2;
session.dcs.push({ dcId: 2, addr: "149.154.167.51:443", authKey: new SecretBytes(key), firstSalt: 0n, timeOffset: 0, flags: 0 });
session.peers.push({ kind: "user", id: 777000n, accessHash: 1234567890123n, channelKind: null });

const first: SessionBackend = ${recipe.open};
await first.save(session);
${reopen}
const loaded = await second.load();
assert.ok(loaded, "load() returns the saved session");
assert.equal(loaded.homeDcId, 2);
assert.deepEqual(loaded.dcs[0]?.authKey?.expose(), key);
assert.equal(loaded.peers.find((p) => p.id === 777000n)?.accessHash, 1234567890123n);
assert.equal(decodeSession(encodeSession(loaded)).peers.length, 1);
assert.ok(!String(JSON.stringify(loaded.dcs[0]?.authKey)).includes(Buffer.from(key).toString("hex").slice(0, 16)));
await second.close();
${recipe.cleanup ?? ""}
console.log(\`x-session smoke ok: \${second.name}\`);
`;
}
