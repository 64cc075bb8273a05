// Edges where a typed error, or no trace of a secret, was promised: a missing directory (created
// on write, as by every local backend), a directory given, and the
// bytes a re-encryption leaves in the database, -wal and -shm files.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionBackendError } from "@x/session-core";
import { sampleSession } from "@x/session-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { plaintextKeysLeaveNoTrace } from "../../core/test/plaintext-traces.js";
import { LibsqlSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-libsql-edges-"));
	dirs.push(dir);
	return dir;
}

describe("a database in a missing directory, or a directory given", () => {
	it("a writable open creates the missing directories 0700 (as every local backend); a read-only one creates nothing", async () => {
		const missing = join(tempDir(), "not", "there");
		const refused = await LibsqlSessionBackend.open({
			url: `file:${join(missing, "s.db")}`,
			readOnly: true,
		}).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(SessionBackendError);
		expect((refused as SessionBackendError).code).toBe("IO");
		expect(existsSync(missing)).toBe(false);
		const b = await LibsqlSessionBackend.open({ url: `file:${join(missing, "s.db")}` });
		await b.save(sampleSession());
		await b.close();
		expect(statSync(missing).mode & 0o777).toBe(0o700);
		expect(statSync(join(missing, "s.db")).mode & 0o777).toBe(0o600);
	});

	it("a directory is INVALID_ARGUMENT saying so, not 'chmod 600'", async () => {
		const dir = tempDir();
		const error = await LibsqlSessionBackend.open({ url: `file:${dir}` }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionBackendError);
		expect((error as SessionBackendError).code).toBe("INVALID_ARGUMENT");
		expect((error as Error).message).toContain(`${dir} is a directory, not a database`);
		expect((error as Error).message).not.toContain("chmod");
	});
});

const open = (path: string, sessionId = "default") =>
	LibsqlSessionBackend.open({ url: `file:${path}`, sessionId });

plaintextKeysLeaveNoTrace("libsql", open);
