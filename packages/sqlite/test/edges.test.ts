// Edges where a typed error, or no trace of a secret, was promised: a missing directory, and the
// bytes a re-encryption leaves in the database, -wal and -shm files.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	reencryptSecrets,
	SecretBytes,
	SessionBackendError,
	SessionCipher,
	withEncryptedSecrets,
} from "@x/session-core";
import { assertSameSession, sampleSession, seededBytes, testPeers } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-edges-"));
	dirs.push(dir);
	return dir;
}

describe("a database in a missing directory", () => {
	it("is a typed IO error naming the directory and saying to create it; nothing is created", async () => {
		const missing = join(tempDir(), "not", "there");
		const error = await SqliteSessionBackend.open({ database: join(missing, "s.db") }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(SessionBackendError);
		expect((error as SessionBackendError).code).toBe("IO");
		expect((error as SessionBackendError).backend).toBe("sqlite");
		expect((error as Error).message).toContain(`directory ${missing} does not exist`);
		expect((error as Error).message).toContain("create it");
		expect(existsSync(missing)).toBe(false);
	});
});

const open = (path: string, sessionId = "default") =>
	SqliteSessionBackend.open({ database: path, sessionId });

/** Where the key's bytes appear in the files of `dir`: whole, or any 16-byte window of it. */
function traces(dir: string, key: Uint8Array): string[] {
	const found: string[] = [];
	for (const name of readdirSync(dir)) {
		const bytes = readFileSync(join(dir, name));
		if (bytes.includes(key)) found.push(`${name}: the whole key`);
		for (let i = 0; i + 16 <= key.length; i++)
			if (bytes.includes(key.subarray(i, i + 16))) {
				found.push(`${name}: bytes ${i}-${i + 15} of the key`);
				break;
			}
	}
	return found;
}

describe("plaintext auth keys after encryption is switched on", () => {
	// a distinctive key (no repeats), in a session with enough peers to span many pages
	const key = seededBytes(256, 4242);
	const plainSession = () => {
		const s = sampleSession();
		s.dcs = s.dcs.map((d, i) => (i === 0 ? { ...d, authKey: new SecretBytes(key.slice()) } : d));
		s.peers = testPeers(3000, 9);
		return s;
	};

	it("reencryptSecrets, before and after close(): no byte of the key in the database, -wal or -shm files", async () => {
		const dir = tempDir();
		const path = join(dir, "s.db");
		const a = await open(path);
		await a.save(plainSession());
		await a.close();
		expect(traces(dir, key).length).toBeGreaterThan(0); // the test can see a plain key
		const cipher = await SessionCipher.create({ key: seededBytes(32, 7) });
		const b = await open(path);
		expect(await reencryptSecrets(b, null, cipher)).toBe(true);
		// the save that re-encrypted checkpoints: nothing left while the backend is still open
		expect(traces(dir, key)).toEqual([]);
		await b.close();
		expect(traces(dir, key)).toEqual([]);
		const c = await open(path);
		assertSameSession(await withEncryptedSecrets(c, cipher).load(), plainSession());
		await c.close();
	});

	it("with another session in the same pages, still open (no last-connection checkpoint), close() leaves no byte of the key", async () => {
		const dir = tempDir();
		const path = join(dir, "s.db");
		// its DC rows share the key's pages: the key's old cell is free space inside a live page
		const other = await open(path, "other");
		await other.save(sampleSession(2));
		const a = await open(path);
		await a.save(plainSession());
		await a.close();
		const cipher = await SessionCipher.create({ key: seededBytes(32, 7) });
		const b = await open(path);
		await reencryptSecrets(b, null, cipher);
		await b.close();
		expect(traces(dir, key)).toEqual([]);
		await other.setHomeDc(5); // still usable
		await other.close();
		expect(traces(dir, key)).toEqual([]);
	});

	// the row is overwritten in its page: without secure_delete its old bytes stayed in free space
	it("switched on lazily (updateDc through withEncryptedSecrets), then close(): no byte of the key", async () => {
		const dir = tempDir();
		const path = join(dir, "s.db");
		const a = await open(path);
		await a.save(plainSession());
		await a.close();
		const cipher = await SessionCipher.create({ key: seededBytes(32, 7) });
		const b = await open(path);
		const sealed = withEncryptedSecrets(b, cipher);
		const dc = (await sealed.load())?.dcs[0];
		if (!dc) throw new Error("no DC");
		await sealed.updateDc(dc);
		await b.close();
		expect(traces(dir, key)).toEqual([]);
	});

	it("delete() (log out) with another session in the same pages, then close(): no byte of the key", async () => {
		const dir = tempDir();
		const path = join(dir, "s.db");
		const other = await open(path, "other");
		await other.save(sampleSession(2));
		const a = await open(path);
		await a.save(plainSession());
		await a.delete();
		await a.close();
		expect(traces(dir, key)).toEqual([]);
		await other.close();
		expect(traces(dir, key)).toEqual([]);
	});
});

describe("the checkpoint after save(), delete() and close()", () => {
	it("waits at most about 100 ms for a reader of another connection, then leaves the rest to the next one", async () => {
		const dir = tempDir();
		const path = join(dir, "s.db");
		const b = await open(path);
		await b.save(sampleSession());
		const reader = new Database(path);
		reader.exec("BEGIN");
		reader.prepare("SELECT count(*) FROM xs_dcs").get(); // holds a read snapshot of the log
		const started = performance.now();
		await b.save(sampleSession(2));
		const took = performance.now() - started;
		expect(took).toBeLessThan(1500); // the busy timeout (5 s) before
		reader.exec("COMMIT");
		reader.close();
		await b.close();
		expect(existsSync(`${path}-wal`)).toBe(false);
	});
});
