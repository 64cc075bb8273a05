import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSessionError } from "@x/session-core";
import { assertSameSession, sampleSession, testPeer } from "@x/session-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { FileSessionBackend } from "../src/index.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

const snapshot = (dir: string) =>
	readdirSync(dir)
		.sort()
		.map(
			(n) =>
				`${n} ${createHash("sha256")
					.update(readFileSync(join(dir, n)))
					.digest("hex")}`,
		);

describe("readOnly", () => {
	it("reads without a lock file, a directory or a temp-file sweep; every write rejects UNSUPPORTED", async () => {
		const dir = tempDir();
		const path = join(dir, "bot.session");
		const w = await FileSessionBackend.open({ path });
		await w.save(sampleSession());
		await w.close();
		writeFileSync(join(dir, ".bot.session.123.tmp"), "a writer's temp file");
		const before = snapshot(dir);
		// a writer holds the lock: a read-only open still reads
		const writer = await FileSessionBackend.open({ path });
		const b = await FileSessionBackend.open({ path, readOnly: true });
		expect(b.capabilities.locking).toBe(false);
		assertSameSession(await b.load(), sampleSession());
		const refused = (e: unknown) => isSessionError(e, "UNSUPPORTED");
		await expect(b.save(sampleSession())).rejects.toSatisfy(refused);
		await expect(b.cachePeers([testPeer("user", 1n)])).rejects.toSatisfy(refused);
		await expect(b.delete()).rejects.toSatisfy(refused);
		await expect(b.setEncryption(null)).rejects.toSatisfy(refused);
		await b.close();
		await writer.close();
		expect(snapshot(dir)).toEqual(before);
		const missing = join(dir, "no", "such.session");
		const m = await FileSessionBackend.open({ path: missing, readOnly: true });
		expect(await m.load()).toBeNull();
		await m.close();
		expect(existsSync(join(dir, "no"))).toBe(false);
	});
});
