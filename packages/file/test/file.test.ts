import { createHash } from "node:crypto";
import {
	existsSync,
	readdirSync,
	readFileSync,
	statSync,
	utimesSync,
	writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import {
	CorruptSessionError,
	type DcEntry,
	decodeSession,
	encodeSession,
	isSessionError,
	type SecretBytes,
	SessionEncryptionError,
	SessionLockedError,
	UnsupportedVersionError,
} from "@x/session-core";
import { assertSameSession, sampleSession, testPeer, testPeers } from "@x/session-core/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { V1, V2, V3, V4, V5, V6, V7 } from "../../core/test/vectors.js";
import { FileSessionBackend, type FileSystem, nodeFileSystem } from "../src/index.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterEach(removeTempDirs);

const mode = (path: string) => statSync(path).mode & 0o777;
const keyHex = () =>
	Buffer.from(
		sampleSession()
			.dcs.find((d) => d.authKey)
			?.authKey?.expose() ?? [],
	).toString("hex");

describe("file format", () => {
	it("writes v8 bytes identical to the core encoder, in a 0600 file", async () => {
		const path = join(tempDir(), "a.session");
		const b = await FileSessionBackend.open({ path });
		await b.save(sampleSession());
		await b.close();
		expect(
			Buffer.from(readFileSync(path)).equals(Buffer.from(encodeSession(sampleSession()))),
		).toBe(true);
		expect(mode(path)).toBe(0o600);
	});

	it.each([
		["v1", V1],
		["v2", V2],
		["v3", V3],
		["v4", V4],
		["v5", V5],
		["v6", V6],
		["v7", V7],
	])("loads a legacy %s file and upgrades it to v8 on the next write", async (_, bytes) => {
		const path = join(tempDir(), "legacy.session");
		writeFileSync(path, bytes, { mode: 0o600 });
		const b = await FileSessionBackend.open({ path });
		const loaded = await b.load();
		assertSameSession(loaded, decodeSession(bytes));
		await b.setHomeDc(loaded.homeDcId);
		await b.close();
		const after = readFileSync(path);
		expect(after[0]).toBe(8);
		assertSameSession(decodeSession(after), decodeSession(bytes));
	});

	it("creates the directory (0700) when it is missing", async () => {
		const dir = join(tempDir(), "deep", "er");
		const b = await FileSessionBackend.open({ path: join(dir, "x.session") });
		await b.setHomeDc(2);
		await b.close();
		expect(mode(dir)).toBe(0o700);
		expect(mode(join(dir, "x.session"))).toBe(0o600);
	});
});

describe("corrupt and unreadable files", () => {
	it("rejects with a typed error naming the path and never touches the file", async () => {
		const dir = tempDir();
		const path = join(dir, "bad.session");
		const garbage = Buffer.concat([encodeSession(sampleSession()).subarray(0, 300)]);
		writeFileSync(path, garbage, { mode: 0o600 });
		const b = await FileSessionBackend.open({ path });
		const error = await b.load().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CorruptSessionError);
		expect((error as Error).message).toContain(path);
		expect((error as Error).message).toContain("truncated");
		expect((error as Error).message).not.toContain(keyHex().slice(0, 16));
		await expect(b.cachePeer(testPeer("user", 1n, 1n))).rejects.toBeInstanceOf(CorruptSessionError);
		await b.close();
		expect(readFileSync(path).equals(garbage)).toBe(true);
		expect(readdirSync(dir).sort()).toEqual(["bad.session"]);
	});

	it("a version byte from the future that is not v1 is UnsupportedVersionError", async () => {
		const path = join(tempDir(), "future.session");
		const bytes = encodeSession(sampleSession());
		bytes[0] = 0x09;
		writeFileSync(path, bytes, { mode: 0o600 });
		const b = await FileSessionBackend.open({ path });
		await expect(b.load()).rejects.toBeInstanceOf(UnsupportedVersionError);
		await b.close();
	});

	it("an empty file is corrupt, not a fresh session", async () => {
		const path = join(tempDir(), "empty.session");
		writeFileSync(path, "", { mode: 0o600 });
		const b = await FileSessionBackend.open({ path });
		await expect(b.load()).rejects.toSatisfy((e) => isSessionError(e, "CORRUPT_DATA"));
		await b.close();
	});

	it('onCorrupt: "move-aside" keeps the file (0600) beside and starts empty', async () => {
		const dir = tempDir();
		const path = join(dir, "bad.session");
		writeFileSync(path, Buffer.from([8, 1, 2]), { mode: 0o644 });
		const warnings: string[] = [];
		const b = await FileSessionBackend.open({
			path,
			onCorrupt: "move-aside",
			onInsecurePermissions: "warn",
			onWarning: (m) => warnings.push(m),
		});
		expect(await b.load()).toBeNull();
		const aside = readdirSync(dir).find((n) => n.startsWith("bad.session.corrupt-"));
		expect(aside).toBeDefined();
		expect(mode(join(dir, aside as string))).toBe(0o600);
		expect(readFileSync(join(dir, aside as string))).toEqual(Buffer.from([8, 1, 2]));
		expect(warnings.some((w) => w.includes("moved it to"))).toBe(true);
		await b.close();
	});
});

describe("arguments", () => {
	it("updateDc with a plain byte array for the auth key is INVALID_ARGUMENT, as on the other backends; the file is unchanged", async () => {
		const path = join(tempDir(), "s.session");
		const b = await FileSessionBackend.open({ path });
		await b.save(sampleSession());
		const before = readFileSync(path);
		const dc = sampleSession().dcs[0] as DcEntry;
		for (const authKey of [new Uint8Array(256).fill(1), Array.from({ length: 256 }, () => 1)]) {
			const error = await b
				.updateDc({ ...dc, authKey: authKey as unknown as SecretBytes })
				.catch((e: unknown) => e);
			expect(isSessionError(error, "INVALID_ARGUMENT"), String(error)).toBe(true);
			expect((error as Error).message).toContain("SecretBytes");
		}
		await b.close();
		expect(readFileSync(path).equals(before)).toBe(true);
	});
});

describe("permissions", () => {
	it("an existing group- or world-readable file is refused by default", async () => {
		const path = join(tempDir(), "loose.session");
		writeFileSync(path, encodeSession(sampleSession()), { mode: 0o644 });
		const error = await FileSessionBackend.open({ path }).catch((e: unknown) => e);
		expect(isSessionError(error, "INVALID_ARGUMENT")).toBe(true);
		expect((error as Error).message).toContain("0644");
		// the refused open released its lock
		const b = await FileSessionBackend.open({ path, onInsecurePermissions: "fix" });
		expect(mode(path)).toBe(0o600);
		assertSameSession(await b.load(), sampleSession());
		await b.close();
	});

	it('"warn" reports and goes on', async () => {
		const path = join(tempDir(), "loose.session");
		writeFileSync(path, encodeSession(sampleSession()), { mode: 0o640 });
		const warnings: string[] = [];
		const b = await FileSessionBackend.open({
			path,
			onInsecurePermissions: "warn",
			onWarning: (m) => warnings.push(m),
		});
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain("0640");
		await b.close();
	});

	it("temp files are created 0600 and stale ones are removed on open", async () => {
		const dir = tempDir();
		const path = join(dir, "s.session");
		const modes: number[] = [];
		const spy: FileSystem = {
			...nodeFileSystem,
			open: (p, flags, m) => {
				if (p.endsWith(".xs-tmp")) modes.push(m ?? -1);
				return nodeFileSystem.open(p, flags, m);
			},
		};
		const stale = join(dir, "s.session.999999.0123456789ab.xs-tmp");
		writeFileSync(stale, encodeSession(sampleSession()), { mode: 0o600 });
		writeFileSync(join(dir, "other.txt"), "keep");
		const b = await FileSessionBackend.open({ path, fs: spy });
		expect(existsSync(stale)).toBe(false);
		expect(existsSync(join(dir, "other.txt"))).toBe(true);
		await b.save(sampleSession());
		await b.close();
		// the save's temp file and the lock's
		expect(modes).toEqual([0o600, 0o600]);
		expect(readdirSync(dir).sort()).toEqual(["other.txt", "s.session"]);
	});
});

describe("single-writer lock", () => {
	it("a second instance gets LOCKED at once, naming pid and host; close() releases it", async () => {
		const path = join(tempDir(), "s.session");
		const a = await FileSessionBackend.open({ path });
		const started = Date.now();
		const error = await FileSessionBackend.open({ path }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionLockedError);
		expect((error as SessionLockedError).holder).toEqual({ pid: process.pid, host: hostname() });
		expect((error as Error).message).toContain(`process ${process.pid}`);
		expect(Date.now() - started).toBeLessThan(1000);
		await a.close();
		expect(existsSync(`${path}.lock`)).toBe(false);
		await (await FileSessionBackend.open({ path })).close();
	});

	it("lockWaitMs waits for the holder to close", async () => {
		const path = join(tempDir(), "s.session");
		const a = await FileSessionBackend.open({ path });
		setTimeout(() => void a.close(), 150);
		const b = await FileSessionBackend.open({ path, lockWaitMs: 3000 });
		await b.close();
	});

	it("a lock left by a dead process is taken over", async () => {
		const path = join(tempDir(), "s.session");
		const dead = {
			pid: 2_147_483_646,
			host: hostname(),
			startedAt: "2020-01-01T00:00:00Z",
			token: "dead",
		};
		writeFileSync(`${path}.lock`, JSON.stringify(dead), { mode: 0o600 });
		const b = await FileSessionBackend.open({ path });
		expect(JSON.parse(readFileSync(`${path}.lock`, "utf8")).pid).toBe(process.pid);
		await b.close();
	});

	it("a lock naming this process's pid that this process does not hold is taken over (pid 1 after a container restart)", async () => {
		const path = join(tempDir(), "s.session");
		const earlier = {
			pid: process.pid,
			host: hostname(),
			startedAt: "2020-01-01T00:00:00Z",
			token: "left-by-an-earlier-process-with-this-pid",
		};
		writeFileSync(`${path}.lock`, JSON.stringify(earlier), { mode: 0o600 });
		const b = await FileSessionBackend.open({ path });
		const record = JSON.parse(readFileSync(`${path}.lock`, "utf8"));
		expect(record.pid).toBe(process.pid);
		expect(record.token).not.toBe(earlier.token);
		// a lock this process does hold still refuses a second instance
		await expect(FileSessionBackend.open({ path })).rejects.toBeInstanceOf(SessionLockedError);
		await b.close();
	});

	it.runIf(existsSync("/proc/self/stat"))(
		"Linux: a lock from before a reboot, or whose pid now belongs to a later process, is taken over",
		async () => {
			const path = join(tempDir(), "s.session");
			const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
			const live = process.ppid; // alive, and not this process
			const stale = [
				{ pid: live, bootId: "00000000-0000-0000-0000-000000000000" },
				{ pid: live, bootId, procStart: "1" },
			];
			for (const fields of stale) {
				const lock = { host: hostname(), startedAt: "2020-01-01T00:00:00Z", token: "t", ...fields };
				writeFileSync(`${path}.lock`, JSON.stringify(lock), { mode: 0o600 });
				const b = await FileSessionBackend.open({ path });
				expect(JSON.parse(readFileSync(`${path}.lock`, "utf8")).pid).toBe(process.pid);
				await b.close();
			}
			// the same live pid with its real start time is a live holder
			const stat = readFileSync(`/proc/${live}/stat`, "utf8");
			const procStart = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
			const held = { pid: live, host: hostname(), startedAt: "x", token: "t", bootId, procStart };
			writeFileSync(`${path}.lock`, JSON.stringify(held), { mode: 0o600 });
			const error = await FileSessionBackend.open({ path }).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(SessionLockedError);
			expect((error as SessionLockedError).holder?.pid).toBe(live);
		},
	);

	it("a lock held on another host is never broken, and the error says what to do", async () => {
		const path = join(tempDir(), "s.session");
		const remote = {
			pid: 1,
			host: "elsewhere.example",
			startedAt: "2020-01-01T00:00:00Z",
			token: "r",
		};
		writeFileSync(`${path}.lock`, JSON.stringify(remote), { mode: 0o600 });
		const error = await FileSessionBackend.open({ path }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionLockedError);
		expect((error as Error).message).toContain("elsewhere.example");
		expect((error as Error).message).toContain("delete");
	});

	it("an empty lock file left by a crash does not block: taken over at once when old, within 2 s when new", async () => {
		const path = join(tempDir(), "s.session");
		writeFileSync(`${path}.lock`, "", { mode: 0o600 });
		const past = new Date(Date.now() - 60_000);
		utimesSync(`${path}.lock`, past, past);
		let started = Date.now();
		const a = await FileSessionBackend.open({ path });
		expect(Date.now() - started).toBeLessThan(500);
		expect(JSON.parse(readFileSync(`${path}.lock`, "utf8")).pid).toBe(process.pid);
		await a.close();
		// just left (mtime now): still no LOCKED with lockWaitMs 0; it may be an owner being written
		writeFileSync(`${path}.lock`, "", { mode: 0o600 });
		started = Date.now();
		const b = await FileSessionBackend.open({ path });
		expect(Date.now() - started).toBeLessThan(4000);
		await b.close();
		expect(readdirSync(dirname(path))).toEqual([]);
	});

	it("a takeover marker left by a taker killed mid-takeover does not hold up the next takeover", async () => {
		const path = join(tempDir(), "s.session");
		const dead = { pid: 2_147_483_646, host: hostname(), startedAt: "2020-01-01T00:00:00Z" };
		writeFileSync(`${path}.lock`, JSON.stringify({ ...dead, token: "dead" }), { mode: 0o600 });
		writeFileSync(`${path}.lock.takeover`, JSON.stringify({ ...dead, token: "takeover" }), {
			mode: 0o600,
		});
		const started = Date.now();
		const b = await FileSessionBackend.open({ path });
		expect(Date.now() - started).toBeLessThan(1000); // was 10 s
		await b.close();
		expect(readdirSync(dirname(path))).toEqual([]);
	});

	it("the lock file appears with its owner written (linked from a temp file); a dead writer's temp file is removed", async () => {
		const dir = tempDir();
		const path = join(dir, "s.session");
		const seen: string[] = [];
		const fs: FileSystem = {
			...nodeFileSystem,
			link: async (from, to) => {
				seen.push(readFileSync(from, "utf8"));
				await nodeFileSystem.link?.(from, to);
			},
		};
		const dead = `${path}.lock.2147483646.0123456789ab.xs-tmp`;
		writeFileSync(dead, "{}", { mode: 0o600 });
		const a = await FileSessionBackend.open({ path, fs });
		expect(JSON.parse(seen[0] as string).pid).toBe(process.pid);
		expect(readdirSync(dir).sort()).toEqual(["s.session.lock"]);
		await a.close();
		// a file system without hard links: the lock is created and then written, as before
		const { link: _, ...noLink } = nodeFileSystem;
		const b = await FileSessionBackend.open({ path, fs: noLink });
		expect(JSON.parse(readFileSync(`${path}.lock`, "utf8")).pid).toBe(process.pid);
		await b.close();
	});

	it("lock: false takes no lock and declares locking false", async () => {
		const path = join(tempDir(), "s.session");
		const a = await FileSessionBackend.open({ path, lock: false });
		expect(a.capabilities.locking).toBe(false);
		expect(existsSync(`${path}.lock`)).toBe(false);
		await a.close();
	});
});

describe("coalescing", () => {
	it("holds granular writes until the interval, flush() or close()", async () => {
		const path = join(tempDir(), "c.session");
		const b = await FileSessionBackend.open({ path, flushInterval: 60_000 });
		await b.save(sampleSession());
		const saved = readFileSync(path);
		for (let i = 0; i < 100; i++)
			await b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
		await b.cachePeers(testPeers(10, 7));
		expect(readFileSync(path).equals(saved)).toBe(true);
		expect((await b.load())?.updatesState.pts).toBe(99);
		await b.flush();
		expect(decodeSession(readFileSync(path)).updatesState.pts).toBe(99);
		await b.applyUpdateState({ type: "secondary", qts: 5 });
		await b.close();
		expect(decodeSession(readFileSync(path)).updatesState.qts).toBe(5);
	});

	it("writes by itself after the interval", async () => {
		const path = join(tempDir(), "c.session");
		const b = await FileSessionBackend.open({ path, flushInterval: 30 });
		await b.setHomeDc(4);
		expect(existsSync(path)).toBe(false);
		await new Promise((r) => setTimeout(r, 200));
		expect(decodeSession(readFileSync(path)).homeDcId).toBe(4);
		await b.close();
	});

	it("a change that would not fit the format is refused and leaves the state as it was", async () => {
		const path = join(tempDir(), "c.session");
		for (const flushInterval of [0, 1000]) {
			const b = await FileSessionBackend.open({ path, flushInterval });
			await b.save({ ...sampleSession(), peers: testPeers(65_535, 2) });
			await expect(b.cachePeer(testPeer("user", 1n, 1n))).rejects.toSatisfy((e) =>
				isSessionError(e, "ENCODE_OVERFLOW"),
			);
			expect((await b.load())?.peers).toHaveLength(65_535);
			await b.close();
			const cleanup = await FileSessionBackend.open({ path });
			await cleanup.delete();
			await cleanup.close();
		}
	});
});

describe("coalescing refuses values the encoder would refuse", () => {
	it("a bad value is rejected at the call; the changes before and after it are flushed", async () => {
		const path = join(tempDir(), "c.session");
		const b = await FileSessionBackend.open({ path, flushInterval: 60_000 });
		await b.save(sampleSession());
		await b.applyUpdateState({ type: "secondary", qts: 5 });
		const dc = {
			dcId: 3,
			addr: "1.2.3.4:443",
			authKey: null,
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		};
		const bad: [string, Promise<void>][] = [
			["pts beyond i32", b.applyUpdateState({ type: "primary", pts: 2 ** 31, date: 1, seq: 1 })],
			[
				"channel id beyond i64",
				b.applyUpdateState({ type: "channel", channelId: 2n ** 63n, pts: 1 }),
			],
			["home DC not an integer", b.setHomeDc(1.5)],
			["salt beyond i64", b.updateDc({ ...dc, firstSalt: 2n ** 64n })],
			["a 300-byte address", b.updateDc({ ...dc, addr: "x".repeat(300) })],
			["an access hash beyond i64", b.cachePeer(testPeer("user", 1n, 2n ** 63n))],
		];
		for (const [what, call] of bad)
			await expect(call, what).rejects.toSatisfy((e) => isSessionError(e));
		await b.applyUpdateState({ type: "primary", pts: 7, date: 8, seq: 9 });
		await b.flush();
		const stored = decodeSession(readFileSync(path));
		expect(stored.updatesState).toMatchObject({ pts: 7, qts: 5, date: 8, seq: 9 });
		expect(stored.homeDcId).toBe(sampleSession().homeDcId);
		expect(stored.dcs).toHaveLength(sampleSession().dcs.length);
		await b.close();
	});
});

/** How long save() took to refuse an unreadable file (reported after the suite). */
const refusalMs: number[] = [];
afterAll(() => {
	if (refusalMs.length > 0)
		console.log(`save() refused in ${refusalMs.map((ms) => ms.toFixed(0)).join(", ")} ms`);
});

describe("encryption at rest", () => {
	const key = new Uint8Array(32).fill(3);
	const sessionKey = () =>
		Buffer.from(
			sampleSession()
				.dcs.find((d) => d.authKey)
				?.authKey?.expose() ?? [],
		);

	it("writes an envelope with no trace of the key, reads it back, and needs the key", async () => {
		const path = join(tempDir(), "e.session");
		const b = await FileSessionBackend.open({ path, encryption: { key } });
		await b.save(sampleSession());
		await b.close();
		const raw = readFileSync(path);
		expect(raw.subarray(0, 3).toString()).toBe("XSE");
		expect(raw.includes(sessionKey().subarray(0, 16))).toBe(false);
		expect(mode(path)).toBe(0o600);
		const again = await FileSessionBackend.open({ path, encryption: { key } });
		assertSameSession(await again.load(), sampleSession());
		await again.close();
		const without = await FileSessionBackend.open({ path });
		await expect(without.load()).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "missing-key",
		);
		await without.close();
		const wrong = await FileSessionBackend.open({ path, encryption: { key: new Uint8Array(32) } });
		await expect(wrong.load()).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
		);
		await expect(wrong.setHomeDc(1)).rejects.toBeInstanceOf(SessionEncryptionError);
		await wrong.close();
		expect(readFileSync(path).equals(raw)).toBe(true);
	});

	it("a tampered file is a typed error and is left as it is", async () => {
		const path = join(tempDir(), "e.session");
		const b = await FileSessionBackend.open({
			path,
			encryption: { passphrase: "pw", iterations: 100_000 },
		});
		await b.save(sampleSession());
		await b.close();
		const raw = readFileSync(path);
		raw[raw.length - 40] = (raw[raw.length - 40] as number) ^ 1;
		writeFileSync(path, raw, { mode: 0o600 });
		const c = await FileSessionBackend.open({
			path,
			encryption: { passphrase: "pw", iterations: 100_000 },
		});
		await expect(c.load()).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "tampered",
		);
		await c.close();
		expect(readFileSync(path).equals(raw)).toBe(true);
	});

	it("save() after a wrong-passphrase load refuses to replace the file: no byte changes, the error says what to do", async () => {
		const dir = tempDir();
		const path = join(dir, "e.session");
		const right = { passphrase: "right horse battery", iterations: 100_000 };
		const wrongPass = "wrong horse battery";
		const a = await FileSessionBackend.open({ path, encryption: right });
		await a.save(sampleSession());
		await a.close();
		const hash = () => createHash("sha256").update(readFileSync(path)).digest("hex");
		const before = hash();
		const relogin = sampleSession(7); // the "log in again" session
		// a wrong passphrase, no passphrase at all, a wrong raw key: load fails, then save
		for (const encryption of [
			{ passphrase: wrongPass, iterations: 100_000 },
			undefined,
			{ key: new Uint8Array(32).fill(9) },
		]) {
			const b = await FileSessionBackend.open({ path, ...(encryption ? { encryption } : {}) });
			await expect(b.load()).rejects.toBeInstanceOf(SessionEncryptionError);
			const started = performance.now();
			const error = await b.save(relogin).catch((e: unknown) => e);
			refusalMs.push(performance.now() - started);
			expect(error).toBeInstanceOf(SessionEncryptionError);
			const message = (error as Error).message;
			expect(message).toContain(path);
			expect(message).toContain("overwriteUnreadable: true");
			expect(message).toContain("nothing was written");
			expect(message).not.toContain(wrongPass);
			expect(message).not.toContain(right.passphrase);
			await b.close();
			expect(hash()).toBe(before);
			expect(readdirSync(dir)).toEqual(["e.session"]);
		}
		// save() first, without a load: refused the same way
		const fresh = await FileSessionBackend.open({ path, encryption: { passphrase: wrongPass } });
		const started = performance.now();
		await expect(fresh.save(relogin)).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
		);
		refusalMs.push(performance.now() - started); // includes stretching the passphrase (PBKDF2)
		await fresh.close();
		expect(hash()).toBe(before);
		// said explicitly: replaced, and readable with the new passphrase
		const over = await FileSessionBackend.open({
			path,
			encryption: { passphrase: wrongPass, iterations: 100_000 },
			overwriteUnreadable: true,
		});
		await over.save(relogin);
		await over.close();
		expect(hash()).not.toBe(before);
		const check = await FileSessionBackend.open({
			path,
			encryption: { passphrase: wrongPass, iterations: 100_000 },
		});
		assertSameSession(await check.load(), relogin);
		await check.close();
	});

	it("save() never replaces a corrupt, foreign or newer-version file unless overwriteUnreadable", async () => {
		const dir = tempDir();
		const path = join(dir, "f.session");
		const newer = encodeSession(sampleSession());
		newer[0] = 0x7f; // a version byte from the future
		const files: [string, Uint8Array, (e: unknown) => boolean][] = [
			[
				"a SQLite database (Telethon's .session)",
				Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(4080, 1)]),
				// recognised by its SQLite header, not misread as version 83
				(e) => e instanceof CorruptSessionError && /an SQLite database/.test((e as Error).message),
			],
			[
				"a truncated session",
				encodeSession(sampleSession()).subarray(0, 40),
				(e) => e instanceof CorruptSessionError,
			],
			[
				"an envelope damaged in its header",
				Buffer.from("XSE\x01garbage-garbage"),
				(e) => isSessionError(e),
			],
			["a newer version", newer, (e) => e instanceof UnsupportedVersionError],
		];
		for (const [what, bytes, expected] of files) {
			writeFileSync(path, bytes, { mode: 0o600 });
			const b = await FileSessionBackend.open({ path });
			const error = await b.save(sampleSession()).catch((e: unknown) => e);
			expect(expected(error), `${what}: ${error}`).toBe(true);
			expect((error as Error).message, what).toContain("overwriteUnreadable: true");
			await b.close();
			expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes)), what).toBe(true);
		}
		const b = await FileSessionBackend.open({ path, overwriteUnreadable: true });
		await b.save(sampleSession());
		await b.close();
		assertSameSession(decodeSession(readFileSync(path)), sampleSession());
	});

	it("encrypts a plain file on its next write, rotates keys and turns encryption off", async () => {
		const path = join(tempDir(), "e.session");
		writeFileSync(path, encodeSession(sampleSession()), { mode: 0o600 });
		const b = await FileSessionBackend.open({ path, encryption: { key } });
		assertSameSession(await b.load(), sampleSession());
		await b.setHomeDc(2);
		expect(readFileSync(path).subarray(0, 3).toString()).toBe("XSE");
		await b.setEncryption({ passphrase: "next", iterations: 100_000 });
		await b.close();
		const old = await FileSessionBackend.open({ path, encryption: { key } });
		await expect(old.load()).rejects.toBeInstanceOf(SessionEncryptionError);
		await old.close();
		const rotated = await FileSessionBackend.open({
			path,
			encryption: { passphrase: "next", iterations: 100_000 },
		});
		assertSameSession(await rotated.load(), sampleSession());
		await rotated.setEncryption(null);
		await rotated.close();
		assertSameSession(decodeSession(readFileSync(path)), sampleSession());
	});
});
