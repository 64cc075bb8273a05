// The secret-leak audit: every backend, the CLI and their failure paths, with auth keys and a
// token made of a recognisable pattern. Every log line, error message, util.inspect and
// JSON.stringify of the public objects, and the CLI's output are searched for any trace of it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
	emptySession,
	encodeNativeString,
	encodeSession,
	type PersistedSession,
	SecretBytes,
	type SessionBackend,
	SessionCipher,
	withEncryptedSecrets,
} from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { FileSessionBackend } from "@x/session-file";
import { LibsqlSessionBackend } from "@x/session-libsql";
import { MemorySessionBackend } from "@x/session-memory";
import { PostgresSessionBackend } from "@x/session-postgres";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { StringSessionBackend } from "@x/session-string";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, cli } from "./helpers.js";

const KEY_PATTERN = "K3Y-s3cr3t-ZQXJ!";
const TOKEN_PATTERN = "T0K3N-s3cr3t-QQ?";
const bytesOf = (pattern: string, n: number) =>
	Uint8Array.from({ length: n }, (_, i) => pattern.charCodeAt(i % pattern.length));
const KEY = bytesOf(KEY_PATTERN, 256);
const TOKEN = bytesOf(TOKEN_PATTERN, 64);
const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Every printable form of the two secrets. */
function forms(): string[] {
	const out: string[] = [];
	for (const [pattern, bytes] of [
		[KEY_PATTERN, KEY],
		[TOKEN_PATTERN, TOKEN],
	] as const) {
		const b = Buffer.from(bytes);
		out.push(
			pattern.slice(0, 10),
			b.toString("hex").slice(0, 20),
			b.toString("hex").toUpperCase().slice(0, 20),
		);
		out.push(Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ")); // <Buffer 4b 33 …>
		out.push(Array.from(b.subarray(0, 6)).join(", "), Array.from(b.subarray(0, 6)).join(","));
		for (let o = 0; o < 3; o++) {
			const b64 = b.subarray(o).toString("base64").slice(0, 16);
			out.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
		}
	}
	return out;
}
const FORMS = forms();
function leaks(text: string): string[] {
	const squeezed = text.replace(/\s+/g, ""); // util.inspect pads and wraps byte lists
	return FORMS.filter((f) => text.includes(f) || squeezed.includes(f.replace(/\s+/g, "")));
}

function patternSession(): PersistedSession {
	const s = emptySession();
	s.homeDcId = 2;
	s.dcs = [
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: new SecretBytes(KEY),
			firstSalt: 1n,
			timeOffset: 0,
			flags: 0,
		},
	];
	s.peers = [{ kind: "user", id: 5n, accessHash: 6n, channelKind: null }];
	s.futureAuthToken = new SecretBytes(TOKEN);
	return s;
}

const captured: string[] = [];
const texts: { where: string; text: string }[] = [];
const dirs: string[] = [];
const record = (where: string, value: unknown) => {
	texts.push({ where, text: inspect(value, { depth: 12, showHidden: true }) });
	try {
		texts.push({
			where: `${where} (JSON)`,
			text: JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "",
		});
	} catch {}
	if (value instanceof Error)
		texts.push({ where: `${where} (message)`, text: `${value.message} ${String(value)}` });
};
/** Runs `op`; its result or error is recorded. */
async function attempt(where: string, op: () => Promise<unknown>): Promise<void> {
	try {
		record(where, await op());
	} catch (error) {
		record(`${where} (error)`, error);
	}
}
function tempDir(): string {
	const d = mkdtempSync(join(tmpdir(), "xs-audit-"));
	dirs.push(d);
	return d;
}

/** Saves, loads and changes a pattern session on `backend`, recording everything it returns. */
async function exercise(name: string, open: () => Promise<SessionBackend>): Promise<void> {
	const backend = await open();
	await attempt(`${name} save`, () => backend.save(patternSession()));
	await attempt(`${name} load`, () => backend.load());
	await attempt(`${name} updateDc`, () =>
		backend.updateDc({ ...(patternSession().dcs[0] as PersistedSession["dcs"][0]), dcId: 4 }),
	);
	await attempt(`${name} bad DC`, () =>
		backend.updateDc({
			dcId: 2,
			addr: "x",
			authKey: new SecretBytes(KEY.subarray(0, 100)),
			firstSalt: 2n ** 70n,
			timeOffset: 0,
			flags: 0,
		}),
	);
	record(`${name} backend`, backend);
	if (backend.capabilities.locking) await attempt(`${name} second open`, open);
	await attempt(`${name} close`, () => backend.close());
	await attempt(`${name} after close`, () => backend.load());
}

const origLog = { ...console };
const origWrite = {
	out: process.stdout.write.bind(process.stdout),
	err: process.stderr.write.bind(process.stderr),
};
beforeAll(() => {
	for (const level of ["log", "info", "warn", "error", "debug"] as const)
		console[level] = (...args: unknown[]) =>
			void captured.push(
				args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 8 }))).join(" "),
			);
	process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
		captured.push(String(chunk));
		return (origWrite.out as (...a: unknown[]) => boolean)(chunk, ...rest);
	}) as typeof process.stdout.write;
	process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
		captured.push(String(chunk));
		return (origWrite.err as (...a: unknown[]) => boolean)(chunk, ...rest);
	}) as typeof process.stderr.write;
	buildCli();
});
afterAll(() => {
	Object.assign(console, origLog);
	process.stdout.write = origWrite.out as typeof process.stdout.write;
	process.stderr.write = origWrite.err as typeof process.stderr.write;
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("secret-leak audit", () => {
	it("backends, their failure paths and the CLI never show a key or a token", async () => {
		const dir = tempDir();
		const cipher = await SessionCipher.create({ key: new Uint8Array(32).fill(1) });
		await exercise("memory", async () => new MemorySessionBackend());
		await exercise("string", async () => new StringSessionBackend(""));
		await exercise("file", () =>
			FileSessionBackend.open({ path: join(dir, "a.session"), flushInterval: 10 }),
		);
		await exercise("file encrypted", () =>
			FileSessionBackend.open({ path: join(dir, "e.session"), encryption: cipher }),
		);
		await exercise("sqlite", () => SqliteSessionBackend.open({ database: join(dir, "a.db") }));
		await exercise("sqlite encrypted secrets", async () =>
			withEncryptedSecrets(
				await SqliteSessionBackend.open({ database: join(dir, "e.db") }),
				cipher,
			),
		);
		await exercise("libsql", () => LibsqlSessionBackend.open({ url: `file:${join(dir, "l.db")}` }));

		// corrupt and invalid input that contains the key bytes
		const encoded = encodeSession(patternSession());
		writeFileSync(join(dir, "bad.session"), encoded.subarray(0, encoded.length - 5), {
			mode: 0o600,
		});
		await attempt("file corrupt", async () =>
			(await FileSessionBackend.open({ path: join(dir, "bad.session") })).load(),
		);
		await attempt("string corrupt", () =>
			new StringSessionBackend(encodeNativeString(patternSession()).slice(0, -9)).load(),
		);
		await attempt("file wrong key", async () =>
			(
				await FileSessionBackend.open({
					path: join(dir, "e.session"),
					encryption: { key: new Uint8Array(32) },
				})
			).load(),
		);

		// servers that are down
		await attempt("libsql down", () =>
			LibsqlSessionBackend.open({ url: "http://127.0.0.1:1", authToken: "tok-secret-123456" }),
		);
		await attempt("postgres down", () =>
			PostgresSessionBackend.open({
				connectionString: "postgres://u:pw-secret-654321@127.0.0.1:1/x",
			}),
		);
		const deadRedis = new Redis({
			port: 1,
			lazyConnect: true,
			maxRetriesPerRequest: 0,
			connectTimeout: 500,
			retryStrategy: () => null,
		});
		await attempt("redis down", () =>
			RedisSessionBackend.open({ client: deadRedis, prefix: "xs-audit" }),
		);
		deadRedis.disconnect();

		// live servers
		const redis = new Redis({ lazyConnect: true, maxRetriesPerRequest: 1 });
		if (await serviceAvailable("redis", () => redis.connect())) {
			const prefix = `xs-audit-${process.pid}`;
			await exercise("redis", () => RedisSessionBackend.open({ client: redis, prefix }));
			await RedisSessionBackend.deleteSession({
				client: redis,
				prefix,
				sessionId: "default",
			}).catch(() => false);
		}
		redis.disconnect();
		const pgAvailable = await serviceAvailable("postgres", async () => {
			const b = await PostgresSessionBackend.open({
				connectionString: PG_URL,
				schema: "xs_audit_probe",
				lock: false,
			});
			await b.close();
		});
		if (pgAvailable) {
			const schema = `xs_audit_${process.pid}`;
			await exercise("postgres", () =>
				PostgresSessionBackend.open({ connectionString: PG_URL, schema }),
			);
			await PostgresSessionBackend.deleteSession(
				{ connectionString: PG_URL, schema },
				"default",
			).catch(() => false);
		}

		// the CLI, through success and failure paths
		const file = join(dir, "cli.session");
		writeFileSync(file, encodeSession(patternSession()), { mode: 0o600 });
		const runs = [
			["inspect", `file:${file}`],
			["inspect", `file:${file}`, "--json"],
			["verify", `file:${file}`, "--strict"],
			["export", `file:${file}`, "--format", "json"],
			["convert", `file:${file}`, `sqlite:${join(dir, "cli.db")}#a`],
			["inspect", `sqlite:${join(dir, "cli.db")}#a`],
			["inspect", `file:${join(dir, "bad.session")}`],
			["inspect", `string:${encodeNativeString(patternSession()).slice(0, -9)}`],
			["convert", `file:${file}`, `file:${join(dir, "e2.session")}`, "--encrypt"],
			["inspect", `redis://127.0.0.1:1/0#a`],
		];
		for (const args of runs) {
			const r = await cli(args, { env: { X_SESSION_PASSPHRASE: "audit-passphrase" } });
			texts.push({ where: `cli ${args[0]} ${args[1]?.slice(0, 12)}`, text: r.stdout + r.stderr });
		}

		const found = [
			...texts.flatMap((t) => leaks(t.text).map((f) => `${t.where}: ${f}`)),
			...captured.flatMap((line) => leaks(line).map((f) => `log line: ${f}`)),
			...texts
				.filter((t) => /pw-secret-654321|tok-secret-123456|audit-passphrase/.test(t.text))
				.map((t) => `${t.where}: a password or token`),
		];
		expect(found).toEqual([]);
		expect(texts.length).toBeGreaterThan(60); // the audit looked at what it meant to
	}, 120_000);
});
