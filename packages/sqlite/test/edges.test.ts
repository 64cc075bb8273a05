// Edges where a typed error, or no trace of a secret, was promised: a missing directory, and the
// bytes a re-encryption leaves in the database, -wal and -shm files.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionBackendError } from "@x/session-core";
import { sampleSession } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { plaintextKeysLeaveNoTrace } from "../../core/test/plaintext-traces.js";
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

plaintextKeysLeaveNoTrace("sqlite", open);

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
