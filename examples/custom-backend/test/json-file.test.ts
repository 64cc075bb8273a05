import {
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
	emptySession,
	isSessionError,
	SecretBytes,
	SessionLockedError,
	sessionsEqual,
} from "@x/session-core";
import { afterEach, describe, expect, it } from "vitest";
import { JsonFileSessionBackend } from "../src/index.js";

const dirs: string[] = [];
const opened: JsonFileSessionBackend[] = [];
afterEach(async () => {
	await Promise.allSettled(opened.splice(0).map((b) => b.close()));
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
	const dir = mkdtempSync(join(tmpdir(), "xs-json-file-"));
	dirs.push(dir);
	return { dir, path: join(dir, "bot.json") };
}

async function openAt(path: string) {
	const b = await JsonFileSessionBackend.open({ path });
	opened.push(b);
	return b;
}

function session() {
	const s = emptySession();
	s.homeDcId = 2;
	const key = new Uint8Array(256).fill(0xab);
	s.dcs.push({
		dcId: 2,
		addr: "149.154.167.51:443",
		authKey: new SecretBytes(key),
		firstSalt: 9n,
		timeOffset: 0,
		flags: 0,
	});
	s.peers.push({ kind: "channel", id: 5n, accessHash: 77n, channelKind: "broadcast" });
	return s;
}

describe("JsonFileSessionBackend", () => {
	it("round-trips through a 0600 file and leaves no temp files", async () => {
		const { dir, path } = setup();
		const a = await openAt(path);
		await a.save(session());
		await a.cachePeer({ kind: "user", id: 5n, accessHash: 1n, channelKind: null });
		await a.close();
		expect(statSync(path).mode & 0o777).toBe(0o600);
		expect(readdirSync(dir).sort()).toEqual(["bot.json"]);
		const b = await openAt(path);
		const loaded = await b.load();
		const expected = session();
		expected.peers.push({ kind: "user", id: 5n, accessHash: 1n, channelKind: null });
		expect(loaded && sessionsEqual(loaded, expected)).toBe(true);
		expect(inspect(loaded)).not.toContain("171"); // 0xab never printed
	});

	it("a second open rejects with SessionLockedError naming this process", async () => {
		const { path } = setup();
		await openAt(path);
		const second = JsonFileSessionBackend.open({ path });
		await expect(second).rejects.toBeInstanceOf(SessionLockedError);
		await expect(second).rejects.toMatchObject({ holder: { pid: process.pid } });
	});

	it("a lock left by a dead process is taken over", async () => {
		const { path } = setup();
		writeFileSync(
			`${path}.lock`,
			JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname() }),
		);
		const b = await openAt(path);
		await b.save(session());
		await b.close();
		expect(existsSync(`${path}.lock`)).toBe(false);
	});

	it("corrupt data is reported, not replaced by a granular write", async () => {
		const { path } = setup();
		writeFileSync(path, "{ not json");
		const b = await openAt(path);
		await expect(b.load()).rejects.toSatisfy((e: unknown) => isSessionError(e, "CORRUPT_DATA"));
		await expect(b.setHomeDc(4)).rejects.toSatisfy((e: unknown) =>
			isSessionError(e, "CORRUPT_DATA"),
		);
		expect(readFileSync(path, "utf8")).toBe("{ not json");
	});
});
