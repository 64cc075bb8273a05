// Edges where a typed error, or no trace of a secret, was promised: a missing directory, and the
// bytes a re-encryption leaves in the database, -wal and -shm files.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionBackendError } from "@x/session-core";
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

describe("a database in a missing directory", () => {
	it("is a typed IO error naming the directory and saying to create it (a local file or a replica); nothing is created", async () => {
		const missing = join(tempDir(), "not", "there");
		for (const options of [
			{ url: `file:${join(missing, "s.db")}` },
			// before: "cannot reach the server", whatever the server
			{ url: `file:${join(missing, "r.db")}`, syncUrl: "http://127.0.0.1:9" },
		]) {
			const error = await LibsqlSessionBackend.open(options).catch((e: unknown) => e);
			expect(error, options.url).toBeInstanceOf(SessionBackendError);
			expect((error as SessionBackendError).code).toBe("IO");
			expect((error as SessionBackendError).backend).toBe("libsql");
			expect((error as Error).message).toContain(`directory ${missing} does not exist`);
			expect((error as Error).message).toContain("create it");
		}
		expect(existsSync(missing)).toBe(false);
	});
});

const open = (path: string, sessionId = "default") =>
	LibsqlSessionBackend.open({ url: `file:${path}`, sessionId });

plaintextKeysLeaveNoTrace("libsql", open);
