// applyChanges on a real file: one durable write per batch (renames counted through the `fs`
// option), one pending state with flushInterval, and a batch the format refuses leaves all as it was.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBytes, SessionBackendError, type SessionChanges } from "@x/session-core";
import {
	assertSameSession,
	sampleSession,
	testAuthKey,
	testDc,
	testPeer,
	testPeerMeta,
} from "@x/session-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { FileSessionBackend, type FileSystem, nodeFileSystem } from "../src/index.js";

const dirs: string[] = [];
const opened: FileSessionBackend[] = [];
afterEach(async () => {
	for (const b of opened.splice(0)) await b.close().catch(() => undefined);
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(flushInterval = 0) {
	const dir = mkdtempSync(join(tmpdir(), "xs-file-batch-"));
	dirs.push(dir);
	const counter = { renames: 0 };
	const fs: FileSystem = {
		...nodeFileSystem,
		rename: async (from, to) => {
			counter.renames++;
			await nodeFileSystem.rename(from, to);
		},
	};
	const path = join(dir, "s.session");
	const b = await FileSessionBackend.open({ path, flushInterval, fs });
	opened.push(b);
	return { b, counter, path };
}

const batch = (): SessionChanges => ({
	dcs: [testDc({ dcId: 3, addr: "10.3.0.1:443", authKey: testAuthKey(3) })],
	homeDcId: 3,
	updateState: [{ type: "primary", pts: 9001, date: 1_800_000_000, seq: 5 }],
	peers: [{ ...testPeer("user", 43n, 4343n), meta: testPeerMeta(43) }],
	minPeers: [{ userId: 99n, peerId: 43n, msgId: 7 }],
	setExtensions: [["mtcute:first", new Uint8Array([1])]],
});

describe("file: applyChanges", () => {
	it("writes the file once per batch", async () => {
		const { b, counter, path } = await open();
		await b.save(sampleSession(1));
		const before = counter.renames;
		await b.applyChanges(batch());
		expect(counter.renames - before).toBe(1);
		const again = await FileSessionBackend.open({ path, lock: false });
		opened.push(again);
		expect((await again.load())?.updatesState.pts).toBe(9001);
		expect((await again.findPeerByUsername("user_43"))?.id).toBe(43n);
	});

	it("with flushInterval, a batch is one pending state and one write at flush()", async () => {
		const { b, counter, path } = await open(60_000);
		await b.save(sampleSession(2));
		const saved = readFileSync(path);
		const before = counter.renames;
		await b.applyChanges(batch());
		await b.applyChanges({ homeDcId: 4 });
		expect(counter.renames).toBe(before);
		expect(readFileSync(path)).toEqual(saved);
		await b.flush();
		expect(counter.renames - before).toBe(1);
		expect((await b.load())?.homeDcId).toBe(4);
	});

	it("with flushInterval, a batch the format refuses (a short auth key) rejects at the call", async () => {
		const { b } = await open(60_000);
		await b.save(sampleSession(3));
		const bad = {
			...batch(),
			dcs: [testDc({ dcId: 3, authKey: new SecretBytes(new Uint8Array(5)) })],
		};
		await expect(b.applyChanges(bad)).rejects.toBeInstanceOf(SessionBackendError);
		await b.flush(); // nothing pending blocks it
		assertSameSession(await b.load(), sampleSession(3));
	});

	it("with flushInterval, a DC address too long for the format rejects at the call, updates still pass", async () => {
		const { b } = await open(60_000);
		await b.save(sampleSession(4));
		const long = `${"a".repeat(300)}.example:443`;
		await expect(b.updateDc(testDc({ dcId: 3, addr: long }))).rejects.toThrow(/address bytes/);
		await b.applyUpdateState({ type: "primary", pts: 77, date: 1, seq: 2 });
		await b.flush();
		const stored = await b.load();
		expect(stored?.updatesState.pts).toBe(77);
		expect(stored?.dcs.some((d) => d.addr === long)).toBe(false);
	});
});
