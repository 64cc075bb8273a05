// The adapter against the real GramJS (npm `telegram` 2.26), offline: every socket is refused, so
// a lookup miss or a connect fails instead of dialling Telegram. The paths are
// the adapter's: a session string, a store-backed session, and imports between them.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { isSessionError, type SessionBackend } from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { FileSessionBackend } from "@x/session-file";
import { MemorySessionBackend } from "@x/session-memory";
import { RedisSessionBackend } from "@x/session-redis";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { Api, TelegramClient } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { MemorySession, StoreSession, StringSession } from "telegram/sessions/index.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { blockNetwork } from "../../core/test/offline.js";
import { deletePrefix, randomPrefix, sharedClient } from "../../redis/test/servers.js";
import {
	exportStringSession,
	type GramjsBackedSession,
	gramjsSession,
	importStoreSession,
	importStringSession,
} from "../src/index.js";
import { failingCachePeers } from "./flaky.js";

const bigInt = createRequire(createRequire(import.meta.url).resolve("telegram"))("big-integer") as (
	v: string | number,
) => unknown;

// Every socket is refused except to this machine (the Redis backend's server).
let unblock: () => void;
beforeAll(() => {
	unblock = blockNetwork();
});
afterAll(() => unblock());

const redis = sharedClient();
const redisUp = await serviceAvailable("redis", () => redis.ping());
if (!redisUp) redis.disconnect();
const redisPrefixes: string[] = [];
afterAll(async () => {
	if (!redisUp) return;
	for (const prefix of redisPrefixes) await deletePrefix(redis, prefix);
	redis.disconnect();
});

type Session = MemorySession & GramjsBackedSession;
// biome-ignore lint/suspicious/noExplicitAny: GramJS's private members used by its own flow
type Internals = any;

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
	const d = mkdtempSync(join(tmpdir(), "xs-gramjs-"));
	dirs.push(d);
	return d;
};

function sessionOn(backend: SessionBackend, options = {}): Session {
	return gramjsSession<MemorySession>({ MemorySession, AuthKey }, backend, {
		flushDelayMs: 5,
		...options,
	});
}

function clientOf(session: Session): Internals {
	return new TelegramClient(session, 1, "x", { connectionRetries: 0, baseLogger: quiet() });
}

function quiet(): Logger {
	return new Logger(LogLevel.NONE);
}

/** Both keys hold the same bytes. */
function sameKey(
	a: { getKey(): Buffer | undefined } | undefined,
	b: { getKey(): Buffer | undefined },
) {
	const bytes = a?.getKey();
	return bytes !== undefined && bytes.equals(b.getKey() as Buffer);
}

async function newKey(): Promise<AuthKey> {
	const key = new AuthKey();
	await key.setKey(randomBytes(256));
	return key;
}

function entities() {
	return {
		users: [
			new Api.User({
				id: bigInt(101) as never,
				accessHash: bigInt("-5000000000") as never,
				username: "Alice_Bot",
				phone: "15550001",
				firstName: "Alice",
				lastName: "B",
			}),
			new Api.User({
				id: bigInt(102) as never,
				accessHash: bigInt(9) as never,
				min: true,
				username: "min_user",
				firstName: "Min",
			}),
		],
		chats: [
			new Api.Channel({
				id: bigInt(2002) as never,
				accessHash: bigInt(77) as never,
				title: "News",
				username: "newsroom",
				photo: new Api.ChatPhotoEmpty(),
				date: 0,
			}),
			new Api.Channel({
				id: bigInt(2003) as never,
				accessHash: bigInt(78) as never,
				min: true,
				title: "Seen in a message",
				username: "min_channel",
				photo: new Api.ChatPhotoEmpty(),
				date: 0,
			}),
			new Api.Chat({
				id: bigInt(303) as never,
				title: "Group",
				photo: new Api.ChatPhotoEmpty(),
				participantsCount: 2,
				date: 0,
				version: 1,
			}),
		],
	};
}

describe("GramJS (telegram 2.26) on our backends", () => {
	it("passes the client's instanceof gate; a fresh store gets GramJS's default DC on _initSession", async () => {
		const backend = new MemorySessionBackend();
		const session = sessionOn(backend);
		const client = clientOf(session);
		await client._initSession();
		await session.flush();
		const stored = await backend.load();
		expect(stored?.homeDcId).toBe(4);
		expect(stored?.dcs.map((d) => d.addr)).toEqual(["149.154.167.91:80"]);
		expect(() => new TelegramClient({} as never, 1, "x", {})).toThrow(/supported/);
	});

	it("a new auth key is stored by the time the client's awaited save() resolves", async () => {
		const backend = new MemorySessionBackend();
		const session = sessionOn(backend, { flushDelayMs: 60_000 });
		const client = clientOf(session);
		await client._initSession();
		const key = await newKey();
		await client._authKeyCallback(key, 4);
		const dc = (await backend.load())?.dcs.find((d) => d.dcId === 4);
		expect(Buffer.from(dc?.authKey?.expose() ?? []).equals(key.getKey() as Buffer)).toBe(true);
	});

	it("processEntities caches users, chats and channels with username, phone and name; min users and channels are skipped", async () => {
		const backend = new MemorySessionBackend();
		const session = sessionOn(backend);
		await clientOf(session)._initSession();
		session.processEntities(entities());
		await session.flush();
		const peers = (await backend.load())?.peers ?? [];
		const byKey = Object.fromEntries(peers.map((p) => [`${p.kind}:${p.id}`, p]));
		expect(Object.keys(byKey).sort()).toEqual(["channel:2002", "chat:303", "user:101"]);
		expect(byKey["user:101"]?.accessHash).toBe(-5000000000n);
		expect(byKey["user:101"]?.meta).toMatchObject({
			usernames: ["alice_bot"],
			phone: "15550001",
			name: "Alice B",
			isMin: false,
		});
		expect(byKey["channel:2002"]?.accessHash).toBe(77n);
		expect(byKey["channel:2002"]?.meta?.usernames).toEqual(["newsroom"]);
		expect(byKey["chat:303"]?.meta?.name).toBe("Group");
	});

	it("client.getInputEntity answers from the session by username, phone, id and name; a miss falls through to the network", async () => {
		const session = sessionOn(new MemorySessionBackend());
		const client = clientOf(session);
		await client._initSession();
		session.processEntities(entities());
		for (const key of ["alice_bot", "@Alice_Bot", "+15550001", 101, "101", "Alice B"]) {
			const peer = await client.getInputEntity(key);
			expect(peer, String(key)).toBeInstanceOf(Api.InputPeerUser);
			expect(String(peer.userId)).toBe("101");
			expect(String(peer.accessHash)).toBe("-5000000000");
		}
		const channel = await client.getInputEntity("-1002002");
		expect(channel).toBeInstanceOf(Api.InputPeerChannel);
		expect(String(channel.accessHash)).toBe("77");
		expect(await client.getInputEntity("newsroom")).toBeInstanceOf(Api.InputPeerChannel);
		expect(await client.getInputEntity(-303)).toBeInstanceOf(Api.InputPeerChat);
		// quirk 1 fixed: the session's exact id lookup compares ids as text
		expect(session.getEntityRowsById("-1002002", true)?.[0]).toBe("-1002002");
		await expect(client.getInputEntity("nobody_here")).rejects.toThrow();
		await expect(client.getInputEntity("min_user")).rejects.toThrow();
		await expect(client.getInputEntity("min_channel")).rejects.toThrow();
		expect(session.getEntityRowsById("-1002003", true)).toBeUndefined();
	});

	for (const kind of ["file", "sqlite", "redis"] as const) {
		it(`a restart on the same ${kind} store: keys come back as AuthKey objects, lookups work offline`, async (context) => {
			if (kind === "redis" && !redisUp) return context.skip();
			const dir = tempDir();
			const prefix = randomPrefix();
			redisPrefixes.push(prefix);
			const open = (): Promise<SessionBackend> =>
				kind === "file"
					? FileSessionBackend.open({ path: join(dir, "bot.session") })
					: kind === "sqlite"
						? SqliteSessionBackend.open({ database: join(dir, "bot.db") })
						: RedisSessionBackend.open({ client: redis, prefix });
			const first = sessionOn(await open());
			const client = clientOf(first);
			await client._initSession();
			const key = await newKey();
			await client._authKeyCallback(key, 4);
			first.processEntities(entities());
			await first.close();

			const second = sessionOn(await open());
			const again = clientOf(second);
			await again._initSession();
			expect(second.dcId).toBe(4);
			expect(second.serverAddress).toBe("149.154.167.91");
			expect(sameKey(second.getAuthKey(), key)).toBe(true);
			expect(String((await again.getInputEntity("@alice_bot")).userId)).toBe("101");
			expect(String((await again.getInputEntity("+15550001")).userId)).toBe("101");
			for (const key of [101, "101", "Alice B"])
				expect(String((await again.getInputEntity(key)).userId), String(key)).toBe("101");
			const channel = await again.getInputEntity("-1002002");
			expect(channel).toBeInstanceOf(Api.InputPeerChannel);
			expect(String(channel.accessHash)).toBe("77");
			expect(await again.getInputEntity("News")).toBeInstanceOf(Api.InputPeerChannel);
			expect(await again.getInputEntity(-303)).toBeInstanceOf(Api.InputPeerChat);
			await expect(again.getInputEntity("min_user")).rejects.toThrow();
			await second.close();
		});
	}

	it('peers: "lazy" starts without reading peers, finds stored ones through the backend in the background where it has no synchronous lookups, and keeps its cache bounded', async () => {
		const dir = tempDir();
		const open = () => SqliteSessionBackend.open({ database: join(dir, "lazy.db") });
		const first = sessionOn(await open());
		await clientOf(first)._initSession();
		first.processEntities(entities());
		await first.close();

		const loads: unknown[] = [];
		const raw = await open();
		// without its synchronous lookups: a miss is looked up in the background
		const synchronous = ["getPeerNow", "findPeerByUsernameNow", "findPeerByPhoneNow"];
		const backend = new Proxy(raw, {
			get(target, prop, receiver) {
				if (synchronous.includes(String(prop))) return undefined;
				const value = Reflect.get(target, prop, receiver);
				if (typeof value !== "function") return value;
				return (...args: unknown[]) => {
					if (prop === "load") loads.push(args[0]);
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			},
		});
		const lazy = sessionOn(backend, { peers: "lazy", peerCacheSize: 10 });
		const client = clientOf(lazy);
		await client._initSession();
		expect(loads).toEqual([{ peers: false }]);
		expect(lazy.cachedEntities).toBe(0);
		// a miss goes on as GramJS goes on (the network, refused here) and fetches the peer behind it
		await expect(client.getInputEntity("@alice_bot")).rejects.toThrow();
		await expect
			.poll(() => lazy.getEntityRowsByUsername("alice_bot"))
			.toEqual(["101", "-5000000000"]);
		expect(String((await client.getInputEntity("@alice_bot")).accessHash)).toBe("-5000000000");
		lazy.getEntityRowsById("-1002002");
		await expect.poll(() => lazy.getEntityRowsById("-1002002")).toEqual(["-1002002", "77"]);
		expect((await client.getInputEntity("-1002002")).className).toBe("InputPeerChannel");
		lazy.getEntityRowsByPhone("15550001"); // cached already: answered at once
		expect(lazy.getEntityRowsByPhone("15550001")?.[0]).toBe("101");
		expect(lazy.getEntityRowsById("102")).toBeUndefined(); // a min user is never cached

		// 500 new users: written, then the cache holds at most 10 rows
		const users = Array.from(
			{ length: 500 },
			(_, i) =>
				new Api.User({
					id: bigInt(10_000 + i) as never,
					accessHash: bigInt(i + 1) as never,
					username: `lazy_${i}`,
				}),
		);
		lazy.processEntities({ users, chats: [] });
		await lazy.flush();
		expect(lazy.cachedEntities).toBeLessThanOrEqual(10);
		expect((await raw.findPeerByUsername("lazy_0"))?.id).toBe(10_000n);
		// the first of them left the cache and comes back from the backend
		expect(lazy.getEntityRowsByUsername("lazy_0")).toBeUndefined();
		await expect.poll(() => lazy.getEntityRowsByUsername("lazy_0")).toEqual(["10000", "1"]);
		expect(lazy.cachedEntities).toBeLessThanOrEqual(10);
		await lazy.close();
	});

	it("is lazy by default on SQLite: starts without reading peers, finds stored ones synchronously after a restart, and keeps its cache bounded", async () => {
		const dir = tempDir();
		const open = () => SqliteSessionBackend.open({ database: join(dir, "default.db") });
		const users = Array.from(
			{ length: 300 },
			(_, i) =>
				new Api.User({
					id: bigInt(20_000 + i) as never,
					accessHash: bigInt(1000 + i) as never,
					username: `many_${i}`,
					phone: `1666${String(i).padStart(4, "0")}`,
				}),
		);
		const first = sessionOn(await open());
		await clientOf(first)._initSession();
		first.processEntities(entities());
		first.processEntities({ users, chats: [] });
		await first.close();

		const loads: unknown[] = [];
		const raw = await open();
		const load = raw.load.bind(raw);
		raw.load = (options) => {
			loads.push(options);
			return load(options);
		};
		const session = sessionOn(raw, { peerCacheSize: 20 });
		const client = clientOf(session);
		await client._initSession();
		expect(loads).toEqual([{ peers: false }]);
		expect(session.cachedEntities).toBe(0);
		// the first lookup of a stored peer after the restart is answered at once, offline
		expect(session.getEntityRowsByUsername("alice_bot")).toEqual(["101", "-5000000000"]);
		expect(String((await client.getInputEntity("+15550001")).userId)).toBe("101");
		expect((await client.getInputEntity("-1002002")).className).toBe("InputPeerChannel");
		expect(session.getEntityRowsById("2002", false)).toEqual(["-1002002", "77"]);
		expect((await client.getInputEntity(-303)).className).toBe("InputPeerChat");
		expect(session.getEntityRowsById("102")).toBeUndefined(); // a min user is never cached
		expect(session.getEntityRowsByUsername("nobody_here")).toBeUndefined();
		// every stored peer is found, by id, username and phone; the cache stays bounded
		for (let i = 0; i < users.length; i++) {
			expect(session.getEntityRowsById(String(20_000 + i))).toEqual([
				String(20_000 + i),
				String(1000 + i),
			]);
			expect(String((await client.getInputEntity(`@many_${i}`)).accessHash)).toBe(String(1000 + i));
			expect(session.getEntityRowsByPhone(`1666${String(i).padStart(4, "0")}`)?.[0]).toBe(
				String(20_000 + i),
			);
			expect(session.cachedEntities).toBeLessThanOrEqual(20);
		}
		await session.close();
	});

	it('stays resident by default without synchronous lookups; peers: "resident" forces it on SQLite', async () => {
		const dir = tempDir();
		const first = sessionOn(await SqliteSessionBackend.open({ database: join(dir, "r.db") }));
		await clientOf(first)._initSession();
		first.processEntities(entities());
		await first.close();
		const resident = sessionOn(await SqliteSessionBackend.open({ database: join(dir, "r.db") }), {
			peers: "resident",
		});
		await clientOf(resident)._initSession();
		expect(resident.cachedEntities).toBe(3); // every stored peer but the min ones
		await resident.close();

		const memory = new MemorySessionBackend();
		const seeded = sessionOn(memory, { closeBackend: false });
		await clientOf(seeded)._initSession();
		seeded.processEntities(entities());
		await seeded.close();
		expect((memory as SessionBackend).getPeerNow).toBeUndefined();
		const again = sessionOn(memory);
		await clientOf(again)._initSession();
		expect(again.cachedEntities).toBe(3);
		await again.close();
	});

	it('peers: "lazy" is refused on a backend without native lookups, and a bad cache size too', async () => {
		const file = await FileSessionBackend.open({ path: join(tempDir(), "f.session") });
		expect(() => sessionOn(file, { peers: "lazy" })).toThrow(/nativeLookups/);
		expect(() =>
			sessionOn(new MemorySessionBackend(), { peers: "lazy", peerCacheSize: 0 }),
		).toThrow(/peerCacheSize/);
		await file.close();
	});

	it("keys of other DCs are kept and dropped per DC; the home DC's switch keeps the old key with its DC", async () => {
		const backend = new MemorySessionBackend();
		const session = sessionOn(backend);
		await clientOf(session)._initSession();
		const home = await newKey();
		const media = await newKey();
		session.setAuthKey(home);
		session.setAuthKey(media, 2);
		await session.flush();
		let dcs = (await backend.load())?.dcs ?? [];
		expect(dcs.find((d) => d.dcId === 2)?.addr).toBe("149.154.167.51:443");
		expect(session.getAuthKey(2)).toBe(media);
		session.setDC(2, "149.154.167.51", 443);
		expect(session.getAuthKey()).toBe(media);
		expect(session.getAuthKey(4)).toBe(home);
		session.setAuthKey(undefined, 4);
		await session.flush();
		dcs = (await backend.load())?.dcs ?? [];
		expect((await backend.load())?.homeDcId).toBe(2);
		expect(dcs.find((d) => d.dcId === 4)?.authKey).toBeNull();
		expect(dcs.find((d) => d.dcId === 2)?.authKey).not.toBeNull();
	});

	it("entities processed before load() stay newer than the stored rows", async () => {
		const backend = new MemorySessionBackend();
		const first = sessionOn(backend, { closeBackend: false });
		await first.load();
		first.processEntities(entities());
		await first.close();
		const second = sessionOn(backend);
		second.processEntities({
			users: [
				new Api.User({
					id: bigInt(101) as never,
					accessHash: bigInt(5) as never,
					username: "alice_renamed",
					firstName: "Alice",
				}),
			],
		});
		await second.load();
		expect(second.getEntityRowsByUsername("alice_renamed")).toEqual(["101", "5"]);
		expect(second.getEntityRowsByUsername("alice_bot")).toBeUndefined();
		expect(second.getEntityRowsByUsername("newsroom")?.[0]).toBe("-1002002");
		await second.flush();
		const stored = (await backend.load())?.peers.find((p) => p.kind === "user" && p.id === 101n);
		expect(stored?.meta?.usernames).toEqual(["alice_renamed"]);
		expect(stored?.accessHash).toBe(5n);
		// on an empty store too, what came before load() is written behind without a flush() call
		const empty = new MemorySessionBackend();
		const third = sessionOn(empty);
		third.processEntities(entities());
		await third.load();
		await expect.poll(async () => (await empty.load())?.peers.length ?? 0).toBe(3);
	});

	it("an IPv6 address GramJS keeps bare is stored bracketed with the IPv6 flag and comes back bare", async () => {
		const backend = new MemorySessionBackend();
		const session = sessionOn(backend);
		await session.load();
		session.setDC(4, "2001:067c:04e8:f004:0000:0000:0000:000a", 443);
		await session.flush();
		const dc = (await backend.load())?.dcs[0];
		expect(dc?.addr).toBe("[2001:067c:04e8:f004:0000:0000:0000:000a]:443");
		expect((dc?.flags ?? 0) & 1).toBe(1);
		const again = sessionOn(backend);
		await again.load();
		expect(again.serverAddress).toBe("2001:067c:04e8:f004:0000:0000:0000:000a");
	});

	it("write-behind failures never reject save(); onError sees them; the data is retried; flush() rejects", async () => {
		const backend = new MemorySessionBackend();
		const flaky = failingCachePeers(backend, 3);
		const errors: unknown[] = [];
		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => unhandled.push(reason);
		process.on("unhandledRejection", onUnhandled);
		const session = sessionOn(flaky, { onError: (e: unknown) => errors.push(e) });
		await session.load();
		session.processEntities(entities());
		// the write-behind timer (5 ms) fails first, with nobody awaiting it
		await expect.poll(() => errors.length).toBe(1);
		await expect(session.save()).resolves.toBeUndefined();
		expect(errors).toHaveLength(2);
		await new Promise((r) => setTimeout(r, 20));
		process.off("unhandledRejection", onUnhandled);
		expect(unhandled).toEqual([]);
		await expect(session.flush()).rejects.toThrow("backend down");
		expect(session.lastError).toBeInstanceOf(Error);
		await session.flush();
		expect(session.lastError).toBeUndefined();
		expect((await backend.load())?.peers.map((p) => String(p.id)).sort()).toEqual([
			"101",
			"2002",
			"303",
		]);
	});

	it("moves a GramJS StringSession in without logging out, and exports back to one", async () => {
		const key = await newKey();
		const original = new StringSession("");
		original.setDC(2, "149.154.167.51", 443);
		original.setAuthKey(key);
		const text = original.save();
		const backend = new MemorySessionBackend();
		await importStringSession(text, backend);
		await expect(importStringSession(text, backend)).rejects.toSatisfy((e: unknown) =>
			isSessionError(e, "INVALID_ARGUMENT"),
		);
		const session = sessionOn(backend);
		await session.load();
		expect(session.dcId).toBe(2);
		expect(sameKey(session.getAuthKey(), key)).toBe(true);
		const back = new StringSession(await exportStringSession(backend));
		await back.load();
		expect(back.dcId).toBe(2);
		expect(back.serverAddress).toBe("149.154.167.51");
		expect(sameKey(back.getAuthKey(), key)).toBe(true);
	});

	it("moves a GramJS StoreSession folder in, entities with usernames and phones included", async () => {
		// StoreSession writes to "./<name>" under the working directory: name a temp folder relatively
		const folder = join(tempDir(), "store");
		const store = new StoreSession(relative(process.cwd(), folder));
		await store.load();
		const key = await newKey();
		store.setDC(2, "149.154.167.51", 443);
		store.authKey = key;
		store.processEntities(entities());
		const backend = new MemorySessionBackend();
		await importStoreSession(folder, backend);
		const session = sessionOn(backend);
		const client = clientOf(session);
		await client._initSession();
		expect(session.dcId).toBe(2);
		expect(sameKey(session.getAuthKey(), key)).toBe(true);
		expect(String((await client.getInputEntity("@alice_bot")).userId)).toBe("101");
		expect(await client.getInputEntity("newsroom")).toBeInstanceOf(Api.InputPeerChannel);
		await expect(
			importStoreSession(join(folder, ".."), new MemorySessionBackend()),
		).rejects.toSatisfy((e: unknown) => isSessionError(e, "CORRUPT_DATA"));
	});

	it("coalesces: 10k processEntities calls become a handful of backend writes", async () => {
		const backend = new MemorySessionBackend();
		let batches = 0;
		const counting = new Proxy(backend, {
			get(target, prop, receiver) {
				const value = Reflect.get(target, prop, receiver);
				if (prop === "cachePeers")
					return (peers: never) => {
						batches++;
						return backend.cachePeers(peers);
					};
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		const session = sessionOn(counting);
		await session.load();
		for (let i = 0; i < 10_000; i++)
			session.processEntities({
				users: [
					new Api.User({
						id: bigInt(1000 + (i % 100)) as never,
						accessHash: bigInt(i) as never,
						username: `user_${i % 100}`,
					}),
				],
			});
		await session.flush();
		expect(batches).toBeLessThanOrEqual(2);
		const peers = (await backend.load())?.peers ?? [];
		expect(peers).toHaveLength(100);
		// the last value per peer won
		expect(peers.find((p) => p.id === 1099n)?.accessHash).toBe(9999n);
	});

	for (const kind of ["file", "sqlite"] as const) {
		it(`kill -9 right after an awaited key save loses nothing (${kind})`, async () => {
			const path = join(tempDir(), kind === "file" ? "bot.session" : "bot.db");
			const tsx = createRequire(import.meta.url).resolve("tsx");
			const child = spawn(
				process.execPath,
				[
					"--conditions=@x/source",
					"--import",
					tsx,
					join(import.meta.dirname, "child", "key-saver.ts"),
					kind,
					path,
				],
				{ stdio: ["ignore", "pipe", "inherit"] },
			);
			const saved = await new Promise<string>((resolve, reject) => {
				let out = "";
				child.stdout.on("data", (chunk: Buffer) => {
					out += chunk.toString();
					const m = /saved ([0-9a-f]{512})/.exec(out);
					if (m) resolve(m[1] as string);
				});
				child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
			});
			child.kill("SIGKILL");
			await new Promise((r) => child.once("exit", r));
			const backend =
				kind === "file"
					? await FileSessionBackend.open({ path })
					: await SqliteSessionBackend.open({ database: path });
			const dc = (await backend.load())?.dcs.find((d) => d.dcId === 4);
			expect(Buffer.from(dc?.authKey?.expose() ?? []).toString("hex")).toBe(saved);
			await backend.close();
		}, 30_000);
	}

	it("refuses classes that are not GramJS's, with a typed error", () => {
		expect(() => gramjsSession({} as never, new MemorySessionBackend())).toThrow(
			/MemorySession, AuthKey/,
		);
	});
});

describe("teleproto 1.229 on our backends", async () => {
	const tp = await import("teleproto");
	const { MemorySession: TpMemory } = await import("teleproto/sessions/index.js");
	const { AuthKey: TpAuthKey } = await import("teleproto/crypto/AuthKey.js");
	const tpSession = (backend: SessionBackend) =>
		gramjsSession<InstanceType<typeof TpMemory>>(
			{ MemorySession: TpMemory, AuthKey: TpAuthKey },
			backend,
			{ flushDelayMs: 5 },
		);
	const tpKey = async () => {
		const key = new TpAuthKey();
		await key.setKey(randomBytes(256));
		return key;
	};

	it("passes teleproto's gate (and not telegram's: each copy needs its own classes)", async () => {
		const session = tpSession(new MemorySessionBackend());
		expect(() => new tp.TelegramClient(session, 1, "x", {})).not.toThrow();
		expect(() => new TelegramClient(session as never, 1, "x", {})).toThrow(/supported/);
	});

	it("processEntities and client.getInputEntity work through a teleproto client, before and after a restart", async () => {
		const tpBigInt = createRequire(createRequire(import.meta.url).resolve("teleproto"))(
			"big-integer",
		) as (v: string | number) => never;
		const path = join(tempDir(), "tp.db");
		const first = tpSession(await SqliteSessionBackend.open({ database: path }));
		const client: Internals = new tp.TelegramClient(first, 1, "x", { connectionRetries: 0 });
		client.setLogLevel?.("none");
		await first.load();
		await first.processEntities({
			users: [
				new tp.Api.User({
					id: tpBigInt(404),
					accessHash: tpBigInt("-7000000000"),
					username: "Tp_User",
					phone: "15550404",
					firstName: "Tele",
					lastName: "Proto",
				}),
				new tp.Api.User({
					id: tpBigInt(405),
					accessHash: tpBigInt(5),
					min: true,
					username: "tp_min",
				}),
			],
		});
		for (const key of ["tp_user", "+15550404", 404, "Tele Proto"])
			expect(String((await client.getInputEntity(key)).userId), String(key)).toBe("404");
		await first.close();

		const second = tpSession(await SqliteSessionBackend.open({ database: path }));
		const again: Internals = new tp.TelegramClient(second, 1, "x", { connectionRetries: 0 });
		again.setLogLevel?.("none");
		await second.load();
		const peer = await again.getInputEntity("@TP_USER");
		expect(peer).toBeInstanceOf(tp.Api.InputPeerUser);
		expect(String(peer.accessHash)).toBe("-7000000000");
		expect(second.getEntityRowsByUsername("tp_min")).toBeUndefined();
		await second.close();
	});

	it("a key object set before it is filled (teleproto's connect) is stored with its bytes", async () => {
		const backend = new MemorySessionBackend();
		const session = tpSession(backend);
		await session.load();
		session.setDC(2, "149.154.167.51", 443);
		const pending = new TpAuthKey();
		session.setAuthKey(pending, 4); // what connect() does before the exchange
		const bytes = randomBytes(256);
		await pending.setKey(bytes); // the exchange fills the same object later
		await session.save();
		const stored = (await backend.load())?.dcs.find((d) => d.dcId === 4)?.authKey;
		expect(Buffer.from(stored?.expose() ?? []).equals(bytes)).toBe(true);
	});

	it("keeps a key per DC across restarts, with teleproto's setDC swap, and delete() (logOut) empties the store", async () => {
		const dir = tempDir();
		const path = join(dir, "tp.session");
		const first = tpSession(await FileSessionBackend.open({ path }));
		await first.load();
		const home = await tpKey();
		const download = await tpKey();
		first.setDC(2, "149.154.167.51", 443);
		first.setAuthKey(home);
		first.setAuthKey(download, 4);
		first.setDC(4, "149.154.167.91", 443);
		expect(first.getAuthKey()).toBe(download);
		expect(first.getAuthKey(2)).toBe(home);
		await first.close();

		const backend = await FileSessionBackend.open({ path });
		const second = tpSession(backend);
		await second.load();
		expect(second.dcId).toBe(4);
		expect(sameKey(second.getAuthKey(), download)).toBe(true);
		expect(sameKey(second.getAuthKey(2), home)).toBe(true);
		await second.delete();
		expect(await backend.load()).toBeNull();
		await second.close();
	});
});
