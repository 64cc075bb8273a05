// Edges where a typed error, or no trace of a secret, was promised: a missing directory, and the
// bytes a re-encryption leaves in the database, -wal and -shm files.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionBackendError } from "@x/session-core";
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
