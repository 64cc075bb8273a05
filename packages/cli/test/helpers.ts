// Runs the built x-session binary as a user would, and makes sessions with known secrets.
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
	emptySession,
	encodeNativeString,
	encodeSession,
	type PersistedSession,
	SecretBytes,
} from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";

export const root = resolve(import.meta.dirname, "../../..");
export const bin = resolve(import.meta.dirname, "../dist/cli.js");

/** Builds packages/cli (and what it references) once per test file; a lock keeps parallel files apart. */
export function buildCli(): void {
	const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
	const lock = join(root, "packages/cli/.build-lock");
	const deadline = Date.now() + 120_000;
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch {
			// a stale lock (a crashed run) is taken over after a minute
			try {
				if (Date.now() - statSync(lock).mtimeMs > 60_000) rmdirSync(lock);
			} catch {}
			if (Date.now() > deadline) throw new Error("timed out waiting for the cli build lock");
			spawnSync("sleep", ["0.2"]);
		}
	}
	try {
		const r = spawnSync(process.execPath, [tsc, "-b", "packages/cli"], {
			cwd: root,
			encoding: "utf8",
		});
		if (r.status !== 0) throw new Error(`tsc -b packages/cli failed:\n${r.stdout}${r.stderr}`);
	} finally {
		rmdirSync(lock);
	}
}

/**
 * Runs the CLI as a user meeting mode bits as they are: root passes every mode check through
 * CAP_DAC_OVERRIDE, so for root the capability (and DAC_READ_SEARCH) is dropped from the CLI's
 * process, which stays root and can load the CLI wherever the checkout is.
 */
export function cliWithoutDacOverride(args: string[]): SpawnSyncReturns<string> {
	return process.getuid?.() === 0
		? spawnSync(
				"setpriv",
				["--bounding-set=-dac_override,-dac_read_search", process.execPath, bin, ...args],
				{ encoding: "utf8" },
			)
		: spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs `x-session ...args` and collects its output. */
export function cli(
	args: string[],
	options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
	const env: Record<string, string | undefined> = {
		...process.env,
		X_SESSION_PROGRESS: undefined,
		...options.env,
	};
	for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
	const child = spawn(process.execPath, [bin, ...args], {
		cwd: options.cwd ?? tmpdir(),
		env: env as NodeJS.ProcessEnv,
		stdio: ["pipe", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (d) => {
		stdout += d;
	});
	child.stderr.on("data", (d) => {
		stderr += d;
	});
	child.stdin.end(options.input ?? "");
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => resolve({ code, stdout, stderr }));
	});
}

/** A fresh temporary directory; remove it with {@link cleanup}. */
export function tempDir(): string {
	return mkdtempSync(join(tmpdir(), "xs-cli-"));
}

export function cleanup(dir: string): void {
	rmSync(dir, { recursive: true, force: true });
}

/** A unique key prefix for Redis tests. */
export function uniquePrefix(): string {
	return `xs-cli-test-${randomUUID().slice(0, 8)}`;
}

/** A session with two keyed DCs, one without a key, peers of each kind, min peers, channel pts and a token. */
export function sampleSession(peers = 6): { session: PersistedSession; secrets: Uint8Array[] } {
	const keyA = new Uint8Array(randomBytes(256));
	const keyB = new Uint8Array(randomBytes(256));
	const token = new Uint8Array(randomBytes(32));
	const s = emptySession();
	s.homeDcId = 2;
	s.dcs.push(
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: new SecretBytes(keyA),
			firstSalt: 123456789n,
			timeOffset: 3,
			flags: 0,
		},
		{
			dcId: 4,
			addr: "149.154.167.91:443",
			authKey: new SecretBytes(keyB),
			firstSalt: -5n,
			timeOffset: 0,
			flags: 0,
		},
		{
			dcId: 1,
			addr: "[2001:b28:f23d:f001::a]:443",
			authKey: null,
			firstSalt: 0n,
			timeOffset: 0,
			flags: 1,
		},
	);
	s.updatesState = {
		pts: 4021,
		qts: 7,
		date: 1_700_000_000,
		seq: 12,
		channels: [{ channelId: 1_000_000_001n, pts: 55 }],
	};
	const kinds = ["user", "chat", "channel", "community"] as const;
	for (let i = 0; i < peers; i++) {
		const kind = kinds[i % 4] as (typeof kinds)[number];
		s.peers.push({
			kind,
			id: BigInt(1000 + i),
			accessHash: kind === "chat" ? 0n : i === 2 ? 0n : BigInt(i) * 1_000_003n,
			channelKind: kind === "channel" ? "megagroup" : null,
		});
	}
	s.minPeers.push({ userId: 77n, peerId: 1002n, msgId: 9 });
	s.futureAuthToken = new SecretBytes(token);
	return { session: s, secrets: [keyA, keyB, token] };
}

/** Writes `session` as a v8 file. */
export function writeSessionFile(path: string, session: PersistedSession): void {
	writeFileSync(path, encodeSession(session), { mode: 0o600 });
}

/** The native string of `session`. */
export function nativeString(session: PersistedSession): string {
	return encodeNativeString(session);
}

/** Every printable form of a secret that could leak: hex, and base64 (both alphabets, three alignments). */
export function secretForms(secret: Uint8Array): string[] {
	const forms = [Buffer.from(secret).toString("hex")];
	for (let o = 0; o < 3; o++) {
		const b64 = Buffer.from(secret.subarray(o)).toString("base64").slice(0, 24);
		forms.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
	}
	return forms;
}

/** The first form of any secret found in `text`, or `undefined`. */
export function leakedSecret(text: string, secrets: Uint8Array[]): string | undefined {
	for (const s of secrets) for (const f of secretForms(s)) if (text.includes(f)) return f;
	return undefined;
}

/** Writes a Pyrogram storage-v3 `.session` file (Pyrogram's schema) holding one DC and key. */
export async function writePyrogramFile(
	path: string,
	account: { userId: number; isBot: boolean; apiId: number; key: number },
): Promise<void> {
	const { default: Database } = await import("better-sqlite3");
	const db = new Database(path);
	db.exec(`CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, api_id INTEGER, test_mode INTEGER, auth_key BLOB, date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
		CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL, username TEXT, phone_number TEXT, last_update_on INTEGER NOT NULL DEFAULT 0);
		CREATE TABLE version (number INTEGER PRIMARY KEY);
		INSERT INTO version VALUES (3);`);
	db.prepare("INSERT INTO sessions VALUES (2, ?, 0, ?, 0, ?, ?)").run(
		account.apiId,
		Buffer.alloc(256, account.key),
		account.userId,
		account.isBot ? 1 : 0,
	);
	db.close();
}

/**
 * What most CLI tests start from: the built binary and a temporary folder holding `bot.session`
 * (the sample session), written before the file's tests and removed after them.
 */
export function sessionFileFixture(): {
	dir: string;
	file: string;
	session: PersistedSession;
	secrets: Uint8Array[];
} {
	const dir = tempDir();
	const { session, secrets } = sampleSession();
	const file = join(dir, "bot.session");
	beforeAll(() => {
		buildCli();
		writeSessionFile(file, session);
	});
	afterAll(() => cleanup(dir));
	return { dir, file, session, secrets };
}

/** A client of the shared Redis on 127.0.0.1:6379 that fails fast, and whether that server answers. */
export async function sharedRedis(): Promise<{ client: Redis; available: boolean }> {
	const client = new Redis({
		host: "127.0.0.1",
		port: 6379,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		retryStrategy: () => null,
	});
	client.on("error", () => {});
	const available = await serviceAvailable("redis", async () => {
		await client.connect();
		await client.ping();
	});
	return { client, available };
}
