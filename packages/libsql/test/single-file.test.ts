// A clean close() leaves the database file self-contained: libSQL's own close leaves the
// write-ahead log as it is (the session would live in the -wal, and a copy of the .db alone would
// hold no session), so the driver copies the log into the file and empties it first, waiting for
// a reader of another process to let it finish.
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PersistedSession } from "@x/session-core";
import { assertSameSession, sampleSession, testPeers } from "@x/session-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startChild } from "../../core/test/child-process.js";
import { LibsqlSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-libsql-single-"));
	dirs.push(dir);
	return dir;
}

/** A bot's life on the file: a login (save), updates, peers, a restart's worth of writes. */
async function liveAndClose(path: string) {
	const b = await LibsqlSessionBackend.open({ url: `file:${path}`, sessionId: "bot" });
	await b.save({ ...sampleSession(), peers: testPeers(300) });
	for (let pts = 1; pts <= 40; pts++)
		await b.applyUpdateState({ type: "primary", pts, date: pts, seq: pts });
	await b.cachePeers(testPeers(200, 9));
	const expected = await b.load();
	return { b, expected };
}

/** Opens a copy of the database file alone (no -wal, no -shm) and loads the session from it. */
async function loadCopyOfFileAlone(path: string) {
	const copy = join(tempDir(), "copy.db");
	copyFileSync(path, copy);
	const c = await LibsqlSessionBackend.open({ url: `file:${copy}`, sessionId: "bot" });
	try {
		return await c.load();
	} finally {
		await c.close();
	}
}

describe("a clean close leaves one self-contained file", () => {
	it("the -wal is empty after close(), and a copy of the .db alone holds the whole session", async () => {
		const path = join(tempDir(), "bot.libsql.db");
		const { b, expected } = await liveAndClose(path);
		expect(statSync(`${path}-wal`).size).toBeGreaterThan(0); // while open, the log holds writes
		await b.close();
		expect(statSync(`${path}-wal`).size).toBe(0);
		const copied = await loadCopyOfFileAlone(path);
		expect(copied).not.toBeNull();
		assertSameSession(copied, expected as PersistedSession);
	});

	it("a reader in another process during close() delays the checkpoint, it does not skip it", async () => {
		const path = join(tempDir(), "bot.libsql.db");
		const { b, expected } = await liveAndClose(path);
		// a read snapshot of the log: libSQL's checkpoint answers busy (its busy timeout is 0)
		const reader = await startChild(
			join(import.meta.dirname, "child", "reader.ts"),
			[path, "500"],
			"reading",
		);
		await b.close();
		expect(statSync(`${path}-wal`).size).toBe(0);
		await reader.exited;
		assertSameSession(await loadCopyOfFileAlone(path), expected as PersistedSession);
	});
});
