// The adapter under the real @mtcute/node 0.30.3 client, offline (see mtcute.ts), on every backend.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSessionBackend } from "@x/session-sqlite";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MtcuteStorage, mtcuteStorage } from "../src/index.js";
import { blockNetwork, mtcuteString, offlineClient, tlPeers } from "./mtcute.js";
import { redis, STORES, type Store } from "./stores.js";

let unblock: () => void;
beforeAll(() => {
	unblock = blockNetwork();
});
afterAll(() => {
	unblock();
	redis.disconnect();
});

type Client = ReturnType<typeof offlineClient>;
// biome-ignore lint/suspicious/noExplicitAny: the client's storage services, used as mtcute's own code does
type Services = any;
const services = (client: Client): Services => (client as unknown as { storage: Services }).storage;

describe.each(STORES.filter((s) => s.available))("a real mtcute client on $name", (kind) => {
	let store: Store;
	const clients: Client[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
		await store?.cleanup();
	});

	const providers = new WeakMap<Client, MtcuteStorage>();
	const backendOf = (c: Client) => (providers.get(c) as MtcuteStorage).backend;

	async function client(options: Parameters<typeof mtcuteStorage>[1] = {}): Promise<Client> {
		const storage = mtcuteStorage(await store.open(), options);
		const c = offlineClient(storage);
		providers.set(c, storage);
		clients.push(c);
		await c.prepare();
		return c;
	}

	async function restart(c: Client): Promise<Client> {
		await c.destroy();
		clients.splice(clients.indexOf(c), 1);
		return client();
	}

	it("importSession then exportSession gives back the string, also after a restart", async () => {
		store = kind.create();
		for (const ipv6 of [false, true]) {
			const text = mtcuteString(ipv6);
			let c = await client();
			await c.importSession(text, true);
			expect(await c.exportSession()).toBe(text);
			c = await restart(c);
			expect(await c.exportSession()).toBe(text);
			// other readers see the home DC and its key
			const session = await backendOf(c).load();
			expect(session?.homeDcId).toBe(2);
			expect(session?.dcs.find((d) => d.dcId === 2 && d.authKey)?.authKey?.length).toBe(256);
			await c.destroy();
			clients.splice(0);
		}
	});

	it("caches peers from TL objects and resolves them by id and username, before and after a restart", async () => {
		store = kind.create();
		let c = await client();
		await c.importSession(mtcuteString(), true);
		expect(await services(c).peers.updatePeersFrom(tlPeers())).toBe(true);
		for (let round = 0; round < 2; round++) {
			expect(await c.resolvePeer(4242)).toMatchObject({ _: "inputPeerUser", userId: 4242 });
			const alice = (await c.resolvePeer("alice_tl")) as {
				userId: number;
				accessHash: { low: number; high: number };
			};
			expect(alice.userId).toBe(4242);
			expect([alice.accessHash.low, alice.accessHash.high]).toEqual([424242, 7]);
			expect(await c.resolvePeer("bob_tl")).toMatchObject({ userId: 4343 });
			expect(await c.resolvePeer(-1001183945448)).toMatchObject({
				_: "inputPeerChannel",
				channelId: 1183945448,
			});
			expect(await c.resolvePeer("news_tl")).toMatchObject({ channelId: 1183945448 });
			// (resolvePeer of a basic chat always asks the server; the cached one is read directly)
			expect(await services(c).peers.getById(-5151)).toMatchObject({
				_: "inputPeerChat",
				chatId: 5151,
			});
			// a min user is known by id, never by username (mtcute would ask the server)
			expect(await services(c).peers.getMinAccessHash(4444)).toMatchObject({ low: 99, high: 99 });
			expect(await services(c).peers.getByUsername("min_tl")).toBeNull();
			c = await restart(c);
		}
		const typed = (await backendOf(c).load())?.peers ?? [];
		expect(typed.map((p) => `${p.kind}:${p.id}`).sort()).toEqual(
			["channel:1183945448", "chat:5151", "user:4242", "user:4343", "user:4444"].sort(),
		);
		expect(typed.find((p) => p.id === 4444n)?.accessHash).toBe(0n);
		expect(typed.find((p) => p.id === 4242n)?.meta?.usernames).toEqual(["alice_tl"]);
	});

	it("keeps the update state and channel pts the client writes", async () => {
		store = kind.create();
		let c = await client();
		await c.importSession(mtcuteString(), true);
		const updates = services(c).updates;
		await updates.setPts(1200);
		await updates.setQts(34);
		await updates.setDate(1_733_000_000);
		await updates.setSeq(56);
		await updates.setManyChannelPts(
			new Map([
				[1183945448, 777],
				[1000, 1],
			]),
		);
		await providers.get(c)?.driver.save(); // as mtcute's updates manager does after writing
		c = await restart(c);
		expect(await services(c).updates.getState()).toEqual([1200, 34, 1_733_000_000, 56]);
		expect(await services(c).updates.getChannelPts(1183945448)).toBe(777);
		const session = await backendOf(c).load();
		expect(session?.updatesState).toMatchObject({
			pts: 1200,
			qts: 34,
			date: 1_733_000_000,
			seq: 56,
		});
		expect(session?.updatesState.channels).toContainEqual({ channelId: 1183945448n, pts: 777 });
	});
});

describe("failures", () => {
	const dirs: string[] = [];
	const clients: Client[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
		for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
	});
	function tempDir(): string {
		const d = mkdtempSync(join(tmpdir(), "xs-mtcute-"));
		dirs.push(d);
		return d;
	}

	it("a failing backend: the client's call succeeds, onError fires, the batch is written after recovery", async () => {
		const database = join(tempDir(), "bots.db");
		const errors: unknown[] = [];
		const storage = mtcuteStorage(await SqliteSessionBackend.open({ database }), {
			onError: (e) => errors.push(e),
			retryDelayMs: 0,
		});
		const c = offlineClient(storage);
		clients.push(c);
		await c.prepare();
		await c.importSession(mtcuteString(), true);
		// a real failure inside the database: every peer insert aborts
		const raw = new Database(database);
		raw.exec(
			"CREATE TRIGGER fail_peers BEFORE INSERT ON xs_peers BEGIN SELECT RAISE(ABORT, 'disk is full (test)'); END",
		);
		await expect(services(c).peers.updatePeersFrom(tlPeers())).resolves.toBe(true);
		expect(errors).toHaveLength(1);
		expect(storage.lastError).toBeDefined();
		expect(await c.resolvePeer("alice_tl")).toMatchObject({ userId: 4242 }); // still answered from the queue
		raw.exec("DROP TRIGGER fail_peers");
		raw.close();
		await storage.driver.save();
		expect(storage.lastError).toBeUndefined();
		await c.destroy();
		clients.splice(0);
		const again = offlineClient(mtcuteStorage(await SqliteSessionBackend.open({ database })));
		clients.push(again);
		await again.prepare();
		expect(await again.resolvePeer("alice_tl")).toMatchObject({ userId: 4242 });
		expect(await again.resolvePeer(-1001183945448)).toMatchObject({ channelId: 1183945448 });
	});

	it("destroy() rejects when its final flush fails, and keeps the data for a retry", async () => {
		const database = join(tempDir(), "bots.db");
		const storage = mtcuteStorage(await SqliteSessionBackend.open({ database }), {
			onError: () => undefined,
		});
		await storage.driver.load();
		await storage.peers.store({
			id: 9,
			accessHash: "1|1",
			isMin: false,
			usernames: ["nine_xx"],
			updated: 1,
			complete: new Uint8Array([1]),
		});
		const raw = new Database(database);
		raw.exec(
			"CREATE TRIGGER fail_peers BEFORE INSERT ON xs_peers BEGIN SELECT RAISE(ABORT, 'disk is full (test)'); END",
		);
		await expect(storage.destroy()).rejects.toThrow(/SQLITE_CONSTRAINT_TRIGGER/);
		raw.exec("DROP TRIGGER fail_peers");
		raw.close();
		await storage.destroy();
		const again = mtcuteStorage(await SqliteSessionBackend.open({ database }));
		expect(await again.peers.getByUsername("nine_xx")).toMatchObject({ id: 9 });
		await again.destroy();
	});

	for (const kind of ["file", "sqlite"] as const) {
		it(`kill -9 right after an awaited auth-key write loses nothing (${kind})`, async () => {
			const path = join(tempDir(), kind === "file" ? "bot.session" : "bot.db");
			const text = mtcuteString();
			const tsx = createRequire(import.meta.url).resolve("tsx");
			const child = spawn(
				process.execPath,
				[
					"--conditions=@x/source",
					"--import",
					tsx,
					join(import.meta.dirname, "child", "importer.ts"),
					kind,
					path,
					text,
				],
				{ stdio: ["ignore", "pipe", "inherit"] },
			);
			await new Promise<void>((resolve, reject) => {
				let out = "";
				child.stdout.on("data", (chunk: Buffer) => {
					out += chunk.toString();
					if (out.includes("imported")) resolve();
				});
				child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
			});
			child.kill("SIGKILL");
			await new Promise((r) => child.once("exit", r));
			const { openStore } = await import("./child/importer.js");
			const c = offlineClient(mtcuteStorage(await openStore(kind, path)));
			clients.push(c);
			await c.prepare();
			expect(await c.exportSession()).toBe(text);
		});
	}
});
