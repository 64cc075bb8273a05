import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { isSessionError, SessionLockedError } from "@x/session-core";
import { MIGRATIONS, SCHEMA_VERSION } from "@x/session-core/sql";
import {
	assertSameSession,
	I64_MAX,
	I64_MIN,
	sampleSession,
	sessionWithExtensions,
	testAuthKey,
	testPeer,
	testPeers,
} from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ferogramDatabase, referenceDdl } from "../../core/test/sql/reference-database.js";
import { LibsqlSessionBackend } from "../src/index.js";
import { startHranaServer } from "./hrana/server.js";

const TOKEN = "secret-token-7f3a9c";
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-libsql-"));
	dirs.push(dir);
	return join(dir, "s.db");
}

/** A database file at schema version `start`, with one session written at that version. */
function databaseAtVersion(path: string, start: number): void {
	writeFileSync(path, "", { mode: 0o600 });
	const db = new Database(path);
	for (let v = 0; v < start; v++) for (const sql of MIGRATIONS[v] ?? []) db.exec(sql);
	db.pragma(`user_version = ${start}`);
	db.prepare("INSERT INTO xs_sessions (session_id, home_dc_id, pts) VALUES ('old', 4, 55)").run();
	db.prepare("INSERT INTO xs_peers VALUES ('old', 0, ?, ?, NULL)").run(I64_MAX, I64_MIN);
	db.close();
}

/** What ferogram's LibSqlBackend runs on open: the six tables, then best-effort ALTERs. */
function referenceLibsqlOpen(db: Database.Database): void {
	db.exec(referenceDdl());
	for (const column of ["channel_kind INTEGER", "is_community INTEGER NOT NULL DEFAULT 0"])
		try {
			db.exec(`ALTER TABLE peers ADD COLUMN ${column}`);
		} catch {
			// the reference ignores these errors (the column exists)
		}
}

describe("client metadata tables beside the reference's", () => {
	it("the reference's LibSqlBackend DDL still runs on a database with our metadata tables, and both keep working", async () => {
		const path = dbPath();
		const b = await LibsqlSessionBackend.open({ url: `file:${path}` });
		const session = sessionWithExtensions(6);
		await b.save(session);
		await b.close();
		const db = new Database(path);
		referenceLibsqlOpen(db);
		db.prepare("INSERT OR REPLACE INTO meta VALUES ('home_dc_id', 4)").run();
		db.prepare("INSERT OR REPLACE INTO peers VALUES (5, 50, 0, 0, NULL, 0)").run();
		expect(db.prepare("SELECT value FROM meta WHERE key = 'home_dc_id'").get()).toEqual({
			value: 4,
		});
		db.close();
		const again = await LibsqlSessionBackend.open({ url: `file:${path}` });
		assertSameSession(await again.load(), session);
		const owner = session.peers.find((p) => p.meta && p.meta.usernames.length > 0);
		const name = owner?.meta?.usernames[0] as string;
		expect((await again.findPeerByUsername(name.toUpperCase()))?.id).toBe(owner?.id);
		await again.close();
	});
});

describe("schema over every transport", () => {
	for (const remote of [false, true]) {
		const where = remote ? "remote over Hrana/HTTP" : "local file";
		it(`${where}: migrates forward from every earlier version without losing data`, async () => {
			for (let start = 1; start < SCHEMA_VERSION; start++) {
				const path = dbPath();
				databaseAtVersion(path, start);
				const server = remote ? await startHranaServer({ path, token: TOKEN }) : undefined;
				try {
					const b = await LibsqlSessionBackend.open({
						...(server ? { url: server.url, authToken: TOKEN } : { url: `file:${path}` }),
						sessionId: "old",
					});
					const s = await b.load();
					expect(s?.homeDcId, `from version ${start}`).toBe(4);
					expect(s?.updatesState.pts).toBe(55);
					expect(s?.peers).toEqual([testPeer("user", I64_MAX, I64_MIN)]);
					await b.setExtension("x.k", new Uint8Array([1]));
					await b.close();
				} finally {
					await server?.close();
				}
				const after = new Database(path, { readonly: true });
				expect(after.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
				after.close();
			}
		});

		it(`${where}: imports a ferogram database as session "default"`, async () => {
			const path = dbPath();
			ferogramDatabase(path);
			const server = remote ? await startHranaServer({ path, token: TOKEN }) : undefined;
			try {
				const b = await LibsqlSessionBackend.open({
					...(server ? { url: server.url, authToken: TOKEN } : { url: `file:${path}` }),
					migrateForeign: true,
				});
				const s = await b.load();
				await b.close();
				expect(s?.homeDcId).toBe(2);
				expect(s?.dcs[0]?.authKey?.equals(testAuthKey(2))).toBe(true);
				expect(s?.dcs[0]?.firstSalt).toBe(-5n);
				expect(s?.updatesState).toEqual({
					pts: 100,
					qts: 7,
					date: 1700000000,
					seq: 9,
					channels: [{ channelId: 1500000001n, pts: 42 }],
				});
				expect(s?.peers).toEqual(
					expect.arrayContaining([
						testPeer("user", I64_MAX, I64_MIN),
						testPeer("channel", 77n, 770n, "megagroup"),
						testPeer("chat", 5n, 0n),
					]),
				);
				expect(s?.peers).toHaveLength(3);
				expect(s?.minPeers).toEqual([{ userId: 11n, peerId: 12n, msgId: 13 }]);
			} finally {
				await server?.close();
			}
			const backups = readdirSync(join(path, "..")).filter((n) => n.includes("ferogram-backup"));
			// a local file is copied aside first; a remote database has no local copy to make
			expect(backups).toHaveLength(remote ? 0 : 1);
		});
	}
});

describe("remote over Hrana/HTTP", () => {
	it("really goes over HTTP, and reads what a local client wrote to the same file", async () => {
		const path = dbPath();
		const local = await LibsqlSessionBackend.open({ url: `file:${path}`, sessionId: "a" });
		await local.save(sampleSession());
		await local.close();
		const server = await startHranaServer({ path, token: TOKEN });
		try {
			const before = server.requests;
			const remote = await LibsqlSessionBackend.open({
				url: server.url,
				authToken: TOKEN,
				sessionId: "a",
			});
			assertSameSession(await remote.load(), sampleSession());
			await remote.close();
			expect(server.requests).toBeGreaterThan(before);
			expect(
				await LibsqlSessionBackend.listSessions({ url: server.url, authToken: TOKEN }),
			).toEqual(["a"]);
		} finally {
			await server.close();
		}
	});

	it("a wrong token is AUTH, and no error shows the token", async () => {
		const server = await startHranaServer({ path: dbPath(), token: TOKEN });
		try {
			const error = await LibsqlSessionBackend.open({
				url: server.url,
				authToken: "wrong-token-123",
			}).catch((e: unknown) => e);
			expect(isSessionError(error, "AUTH")).toBe(true);
			expect(inspect(error, { depth: 10 })).not.toContain("wrong-token-123");
			expect(String(error)).not.toContain("wrong-token-123");
		} finally {
			await server.close();
		}
	});

	it("an open remote backend shows no token in util.inspect or JSON.stringify", async () => {
		const server = await startHranaServer({ path: dbPath(), token: TOKEN });
		try {
			const b = await LibsqlSessionBackend.open({ url: server.url, authToken: TOKEN });
			await b.save(sampleSession());
			const shown = `${inspect(b, { depth: 10, showHidden: true })} ${JSON.stringify(b)} ${String(b)}`;
			expect(shown).not.toContain(TOKEN);
			await b.close();
		} finally {
			await server.close();
		}
	});

	it("a token given in the URL never shows either", async () => {
		const server = await startHranaServer({ path: dbPath(), token: TOKEN });
		try {
			const error = await LibsqlSessionBackend.open({
				url: `${server.url}?authToken=url-token-98765`,
			}).catch((e: unknown) => e);
			expect(isSessionError(error, "AUTH")).toBe(true);
			expect(`${String(error)} ${inspect(error, { depth: 10 })}`).not.toContain("url-token-98765");
		} finally {
			await server.close();
		}
	});

	it("a server that is gone is CONNECTION within seconds; a stopped one mid-session too", async () => {
		const path = dbPath();
		const server = await startHranaServer({ path, token: TOKEN });
		const url = server.url;
		const b = await LibsqlSessionBackend.open({ url, authToken: TOKEN, lock: false });
		await b.setHomeDc(2);
		await server.close();
		const started = Date.now();
		const error = await b.setHomeDc(3).catch((e: unknown) => e);
		expect(isSessionError(error, "CONNECTION")).toBe(true);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
		await b.close();
		await expect(LibsqlSessionBackend.open({ url, authToken: TOKEN })).rejects.toSatisfy((e) =>
			isSessionError(e, "CONNECTION"),
		);
	});

	it("a server stopped in the middle of a save is CONNECTION, and the save is rolled back", async () => {
		const path = dbPath();
		const server = await startHranaServer({ path, token: TOKEN });
		const b = await LibsqlSessionBackend.open({ url: server.url, authToken: TOKEN, lock: false });
		await b.save(sampleSession(1));
		const before = server.requests;
		const big = { ...sampleSession(2), peers: testPeers(100_000, 2) };
		const saving = b.save(big).catch((e: unknown) => e);
		while (server.requests < before + 3) await new Promise((r) => setTimeout(r, 5));
		await server.close();
		const error = await saving;
		expect(isSessionError(error, "CONNECTION")).toBe(true);
		await b.close().catch(() => undefined);
		const again = await startHranaServer({ path, token: TOKEN });
		try {
			const c = await LibsqlSessionBackend.open({ url: again.url, authToken: TOKEN, lock: false });
			assertSameSession(await c.load(), sampleSession(1));
			await c.close();
		} finally {
			await again.close();
		}
	});

	it("a server that does not answer is TIMEOUT after requestTimeoutMs", async () => {
		const { createServer } = await import("node:http");
		const silent = createServer(() => {});
		await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
		const port = (silent.address() as { port: number }).port;
		try {
			const started = Date.now();
			const error = await LibsqlSessionBackend.open({
				url: `http://127.0.0.1:${port}`,
				requestTimeoutMs: 500,
			}).catch((e: unknown) => e);
			expect(isSessionError(error, "TIMEOUT")).toBe(true);
			expect(Date.now() - started).toBeLessThan(3000);
		} finally {
			silent.closeAllConnections();
			silent.close();
		}
	});

	it("a failing remote save rolls back its interactive transaction: the previous state stays", async () => {
		const path = dbPath();
		const server = await startHranaServer({ path, token: TOKEN });
		try {
			const b = await LibsqlSessionBackend.open({ url: server.url, authToken: TOKEN });
			await b.save(sampleSession(1));
			const raw = new Database(path);
			raw.exec(
				"CREATE TRIGGER fail AFTER INSERT ON xs_min_peers BEGIN SELECT RAISE(ABORT, 'injected'); END",
			);
			raw.close();
			await expect(b.save(sampleSession(2))).rejects.toSatisfy((e) => isSessionError(e));
			assertSameSession(await b.load(), sampleSession(1));
			await b.close();
		} finally {
			await server.close();
		}
	});

	it("leases work across two remote clients", async () => {
		const server = await startHranaServer({ path: dbPath(), token: TOKEN });
		try {
			const a = await LibsqlSessionBackend.open({
				url: server.url,
				authToken: TOKEN,
				sessionId: "x",
			});
			await expect(
				LibsqlSessionBackend.open({ url: server.url, authToken: TOKEN, sessionId: "x" }),
			).rejects.toBeInstanceOf(SessionLockedError);
			await a.close();
			await (
				await LibsqlSessionBackend.open({ url: server.url, authToken: TOKEN, sessionId: "x" })
			).close();
		} finally {
			await server.close();
		}
	});
});

describe("local files", () => {
	it("a failing save rolls back: the previous state stays", async () => {
		const path = dbPath();
		const b = await LibsqlSessionBackend.open({ url: `file:${path}` });
		await b.save(sampleSession(1));
		const raw = new Database(path);
		raw.exec(
			"CREATE TRIGGER fail AFTER INSERT ON xs_min_peers BEGIN SELECT RAISE(ABORT, 'injected'); END",
		);
		raw.close();
		await expect(b.save(sampleSession(2))).rejects.toSatisfy((e) => isSessionError(e));
		assertSameSession(await b.load(), sampleSession(1));
		await b.close();
	});

	it("upgrades a layer-era libSQL database without is_chat (core's FORMAT.md §8.7), after a 0600 backup", async () => {
		const path = dbPath();
		writeFileSync(path, "", { mode: 0o600 });
		const db = new Database(path);
		db.exec(`
			CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0);
			CREATE TABLE dcs (dc_id INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0, addr TEXT NOT NULL, auth_key BLOB,
				first_salt INTEGER NOT NULL DEFAULT 0, time_offset INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (dc_id, flags));
			CREATE TABLE update_state (id INTEGER PRIMARY KEY CHECK (id = 1), pts INTEGER NOT NULL DEFAULT 0,
				qts INTEGER NOT NULL DEFAULT 0, date INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0);
			CREATE TABLE channel_pts (channel_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL);
			CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER NOT NULL, is_channel INTEGER NOT NULL DEFAULT 0);
			INSERT INTO meta VALUES ('home_dc_id', 4);
			INSERT INTO update_state VALUES (1, 10, 0, 0, 0);
			INSERT INTO peers VALUES (5, 55, 1);
		`);
		db.prepare("INSERT INTO dcs VALUES (4, 0, '149.154.167.91:443', ?, 0, 0)").run(
			Buffer.from(testAuthKey(4).expose()),
		);
		db.close();
		const b = await LibsqlSessionBackend.open({ url: `file:${path}`, migrateForeign: true });
		const s = await b.load();
		await b.close();
		expect(s?.homeDcId).toBe(4);
		expect(s?.peers).toEqual([{ kind: "channel", id: 5n, accessHash: 55n, channelKind: null }]);
		expect(s?.dcs[0]?.authKey?.equals(testAuthKey(4))).toBe(true);
		const { readdirSync, statSync } = await import("node:fs");
		const backup = readdirSync(join(path, "..")).find((n) => n.includes("ferogram-backup"));
		expect(backup).toBeDefined();
		expect(statSync(join(path, "..", backup as string)).mode & 0o777).toBe(0o600);
	});
});

describe("a ferogram database without migrateForeign", () => {
	it("is refused and left byte for byte as it was (journal mode included)", async () => {
		const path = dbPath();
		ferogramDatabase(path);
		const folder = () =>
			readdirSync(join(path, ".."))
				.sort()
				.map(
					(n) =>
						`${n}:${createHash("sha256")
							.update(readFileSync(join(path, "..", n)))
							.digest("hex")}`,
				);
		const before = folder();
		await expect(LibsqlSessionBackend.open({ url: `file:${path}` })).rejects.toSatisfy((e) =>
			isSessionError(e, "UNSUPPORTED"),
		);
		expect(folder()).toEqual(before);
	});
});

describe("sync() on demand", () => {
	it("is INVALID_ARGUMENT on a database that is not a replica, and CLOSED after close()", async () => {
		const b = await LibsqlSessionBackend.open({ url: `file:${dbPath()}` });
		await expect(b.sync()).rejects.toSatisfy((e) => isSessionError(e, "INVALID_ARGUMENT"));
		await b.setHomeDc(2); // still usable
		await b.close();
		await expect(b.sync()).rejects.toSatisfy((e) => isSessionError(e, "CLOSED"));
	});
});

// With a real sqld or Turso (LIBSQL_URL), a replica really replicates.
const realUrl = process.env.LIBSQL_URL;
describe.skipIf(!realUrl)("embedded replica of LIBSQL_URL", () => {
	it("syncs on open and on demand", async () => {
		const token = process.env.LIBSQL_AUTH_TOKEN;
		const connect = { url: realUrl as string, ...(token ? { authToken: token } : {}) };
		const id = `xs-replica-${process.pid}-${Date.now()}`;
		const primary = await LibsqlSessionBackend.open({ ...connect, sessionId: id });
		try {
			await primary.save(sampleSession(1));
			const replica = await LibsqlSessionBackend.open({
				url: `file:${dbPath()}`,
				syncUrl: connect.url,
				...(token ? { authToken: token } : {}),
				sessionId: id,
				lock: false,
			});
			assertSameSession(await replica.load(), sampleSession(1));
			await primary.setHomeDc(5);
			await replica.sync();
			expect((await replica.load())?.homeDcId).toBe(5);
			await replica.close();
		} finally {
			await primary.close();
			await LibsqlSessionBackend.deleteSession(connect, id).catch(() => false);
		}
	}, 60_000);
});

// An embedded replica syncs with libSQL's replication protocol, which the Hrana test server does
// not speak, so only the failure paths can be checked here. The sync runs in the native binding
// and blocks the thread, so the peer must live in another process.
describe("embedded replica (failure paths only)", () => {
	it("an unreachable sync URL is CONNECTION, without the token", async () => {
		const error = await LibsqlSessionBackend.open({
			url: `file:${dbPath()}`,
			syncUrl: "http://127.0.0.1:1",
			authToken: TOKEN,
		}).catch((e: unknown) => e);
		expect(isSessionError(error, "CONNECTION")).toBe(true);
		expect(`${String(error)} ${inspect(error, { depth: 10 })}`).not.toContain(TOKEN);
	});

	it("a fresh replica file is accepted and 0600; a peer that cannot replicate is TIMEOUT", async () => {
		const { spawn } = await import("node:child_process");
		const child = spawn(
			process.execPath,
			[
				"-e",
				"const s=require('node:http').createServer((q,r)=>{r.writeHead(404);r.end()});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
			],
			{ stdio: ["ignore", "pipe", "ignore"] },
		);
		try {
			const port = await new Promise<string>((resolve) =>
				child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())),
			);
			const path = dbPath();
			const error = await LibsqlSessionBackend.open({
				url: `file:${path}`,
				syncUrl: `http://127.0.0.1:${port}`,
				authToken: TOKEN,
			}).catch((e: unknown) => e);
			expect(isSessionError(error, "TIMEOUT")).toBe(true);
			expect(`${String(error)} ${inspect(error, { depth: 10 })}`).not.toContain(TOKEN);
			const { statSync } = await import("node:fs");
			expect(statSync(path).mode & 0o777).toBe(0o600);
		} finally {
			child.kill();
		}
	}, 20_000);
});
