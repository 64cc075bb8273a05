// Shared by the SQLite and libSQL tests: after encryption is switched on (re-encryption, a lazy
// updateDc, a delete), no byte of the plaintext auth key is left in the database, -wal or -shm
// files, even with another session of the file still open.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	reencryptSecrets,
	SecretBytes,
	type SessionBackend,
	SessionCipher,
	withEncryptedSecrets,
} from "@x/session-core";
import { assertSameSession, sampleSession, seededBytes, testPeers } from "@x/session-core/testing";
import { afterEach, describe, expect, it } from "vitest";

/** Where the key's bytes appear in the files of `dir`: whole, or any 16-byte window of it. */
function traces(dir: string, key: Uint8Array): string[] {
	const found: string[] = [];
	const needle = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
	for (const name of readdirSync(dir)) {
		const bytes = readFileSync(join(dir, name));
		if (bytes.includes(needle)) found.push(`${name}: the whole key`);
		for (let i = 0; i + 16 <= needle.length; i++)
			if (bytes.includes(needle.subarray(i, i + 16))) {
				found.push(`${name}: bytes ${i}-${i + 15} of the key`);
				break;
			}
	}
	return found;
}

/** The scenario, for a backend that opens session `sessionId` of the database file at `path`. */
export function plaintextKeysLeaveNoTrace(
	name: string,
	open: (path: string, sessionId?: string) => Promise<SessionBackend>,
): void {
	const dirs: string[] = [];
	afterEach(() => {
		for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
	});
	const tempDir = () => {
		const dir = mkdtempSync(join(tmpdir(), `xs-${name}-traces-`));
		dirs.push(dir);
		return dir;
	};

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
}
