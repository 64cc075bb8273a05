import { inspect } from "node:util";
import {
	applyUpdateStateChange,
	CorruptSessionError,
	canonicalSession,
	emptySession,
	isSessionError,
	type PersistedSession,
	SessionBackendError,
	SessionLockedError,
	sessionsEqual,
	UnsupportedVersionError,
	type UpdateStateChange,
	upsertDc,
	upsertPeers,
} from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
	RedisDurabilityError,
	RedisFeatureUnsupportedError,
	RedisSessionBackend,
	type RedisSessionOptions,
} from "../src/index.js";
import { nonUtf8Key, richSession } from "./fixtures.js";
import { deletePrefix, randomPrefix, sharedClient } from "./servers.js";

const client = sharedClient();
const available = await serviceAvailable("redis", () => client.ping());
if (!available) client.disconnect();

const opened: RedisSessionBackend[] = [];
const prefixes: string[] = [];

async function open(options: Partial<RedisSessionOptions> = {}): Promise<RedisSessionBackend> {
	const prefix = options.prefix ?? randomPrefix();
	if (!prefixes.includes(prefix)) prefixes.push(prefix);
	const b = await RedisSessionBackend.open({ client, prefix, ...options });
	opened.push(b);
	return b;
}

afterEach(async () => {
	await Promise.allSettled(opened.splice(0).map((b) => b.close()));
	for (const p of prefixes.splice(0)) await deletePrefix(client, p);
});
afterAll(async () => {
	if (available) await client.quit();
});

describe.skipIf(!available)("redis backend on 127.0.0.1:6379", () => {
	it("starts empty, round-trips a full session with non-UTF-8 key bytes, and deletes it", async () => {
		const b = await open();
		expect(await b.load()).toBeNull();
		const s = richSession(40);
		await b.save(s);
		const loaded = await b.load();
		expect(loaded).not.toBeNull();
		expect(sessionsEqual(loaded as PersistedSession, s)).toBe(true);
		expect(loaded?.dcs.find((d) => d.flags === 0)?.authKey?.equals(nonUtf8Key(1))).toBe(true);
		expect(loaded?.dcs[0]?.authKey?.expose()).not.toBeInstanceOf(Buffer);
		expect(loaded?.futureAuthToken?.expose()).toEqual(
			new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0x00, 0x80]),
		);
		// a second save replaces everything (no merge with what was there)
		const small = emptySession();
		small.homeDcId = 5;
		small.peers.push({ kind: "user", id: 1n, accessHash: 0n, channelKind: null });
		await b.save(small);
		expect(sessionsEqual((await b.load()) as PersistedSession, small)).toBe(true);
		await b.delete();
		expect(await b.load()).toBeNull();
	});

	it("stores the layout it documents: five hashes under one hash tag, binary values, no staging left", async () => {
		const b = await open({ sessionId: "acc-1" });
		await b.save(richSession(8));
		const keys = (await client.keys(`${b.prefix}:*`)).sort();
		const base = `${b.prefix}:{acc-1}`;
		expect(keys).toEqual(
			["chpts", "dcs", "fence", "lease", "meta", "minpeers", "peers"].map((p) => `${base}:${p}`),
		);
		expect(await client.hget(`${base}:meta`, "v")).toBe("1");
		expect(await client.hget(`${base}:meta`, "home")).toBe("2");
		const dc = await client.hgetBuffer(`${base}:dcs`, "2/1");
		expect(dc?.length).toBe(15 + 256 + "[2001:67c:4e8:f002::a]:443".length);
		const peer = await client.hgetBuffer(`${base}:peers`, "c3");
		expect(peer?.length).toBe(9);
		expect(peer?.[8]).toBe(2); // gigagroup
		expect(await client.hget(`${base}:chpts`, "1")).toBe("5");
		expect(await client.hlen(`${base}:peers`)).toBe(9);
	});

	it("escapes { } % in session ids so the hash tag holds and ids never collide", async () => {
		const prefix = randomPrefix();
		const ids = ["a{b}", "a%7Bb%7D", "}{", "%", "user@example.com:1", "ünï"];
		for (const [i, sessionId] of ids.entries()) {
			const b = await open({ prefix, sessionId });
			const s = emptySession();
			s.homeDcId = i + 1;
			await b.save(s);
		}
		for (const key of await client.keys(`${prefix}:*`)) {
			// exactly one tag, and it is the first { … } pair
			expect(key.split("{").length).toBe(2);
			expect(key.split("}").length).toBe(2);
		}
		expect((await RedisSessionBackend.listSessions({ client, prefix })).sort()).toEqual(
			[...ids].sort(),
		);
		await Promise.all(opened.splice(0).map((x) => x.close()));
		for (const [i, sessionId] of ids.entries()) {
			const b = await open({ prefix, sessionId });
			expect((await b.load())?.homeDcId).toBe(i + 1);
		}
	});

	it("keeps sessions under one prefix apart, lists them with SCAN and deletes a free one", async () => {
		const prefix = randomPrefix();
		const other = randomPrefix();
		const a = await open({ prefix, sessionId: "a" });
		const b = await open({ prefix, sessionId: "b" });
		const c = await open({ prefix: other, sessionId: "a" });
		await a.setHomeDc(1);
		await b.setHomeDc(2);
		await c.setHomeDc(3);
		expect((await a.load())?.homeDcId).toBe(1);
		expect((await b.load())?.homeDcId).toBe(2);
		expect((await RedisSessionBackend.listSessions({ client, prefix })).sort()).toEqual(["a", "b"]);
		// deleting a session that is open elsewhere is refused with the holder's identity
		const err = await RedisSessionBackend.deleteSession({ client, prefix, sessionId: "b" }).catch(
			(e: unknown) => e,
		);
		expect(err).toBeInstanceOf(SessionLockedError);
		expect((err as SessionLockedError).holder?.pid).toBe(process.pid);
		await b.close();
		expect(await RedisSessionBackend.deleteSession({ client, prefix, sessionId: "b" })).toBe(true);
		expect(await RedisSessionBackend.deleteSession({ client, prefix, sessionId: "b" })).toBe(false);
		expect(await RedisSessionBackend.listSessions({ client, prefix })).toEqual(["a"]);
		expect((await a.load())?.homeDcId).toBe(1);
	});

	it("deletes with open()'s options and an id, as every multi-session backend does", async () => {
		const prefix = randomPrefix();
		const options = { client, prefix, sessionId: "kept" };
		const kept = await open(options);
		await kept.setHomeDc(1);
		const gone = await open({ prefix, sessionId: "gone" });
		await gone.setHomeDc(2);
		await gone.close();
		// the id argument wins over the options' own sessionId, which names a session still open
		expect(await RedisSessionBackend.deleteSession(options, "gone")).toBe(true);
		expect(await RedisSessionBackend.listSessions(options)).toEqual(["kept"]);
		await expect(RedisSessionBackend.deleteSession(options)).rejects.toBeInstanceOf(
			SessionLockedError,
		);
		const noId = await RedisSessionBackend.deleteSession({ client, prefix }).catch(
			(e: unknown) => e,
		);
		expect(noId).toMatchObject({ code: "INVALID_ARGUMENT", backend: "redis" });
		await kept.close();
	});

	it("caches peers with mergePeer's rule atomically, by (kind, id)", async () => {
		const b = await open();
		await b.cachePeer({ kind: "channel", id: 7n, accessHash: 1234n, channelKind: "megagroup" });
		await b.cachePeer({ kind: "channel", id: 7n, accessHash: 0n, channelKind: null }); // min sighting
		await b.cachePeer({ kind: "user", id: 7n, accessHash: 55n, channelKind: null }); // same id, other kind
		await b.cachePeers([
			{ kind: "channel", id: 8n, accessHash: 0n, channelKind: "broadcast" },
			{ kind: "channel", id: 8n, accessHash: 9n, channelKind: null },
			{ kind: "channel", id: 7n, accessHash: -1n, channelKind: null },
		]);
		const peers = canonicalSession((await b.load()) as PersistedSession).peers;
		expect(peers).toEqual([
			{ kind: "channel", id: 7n, accessHash: -1n, channelKind: "megagroup" },
			{ kind: "channel", id: 8n, accessHash: 9n, channelKind: "broadcast" },
			{ kind: "user", id: 7n, accessHash: 55n, channelKind: null },
		]);
	});

	it("granular writes match core's reference semantics (model check)", async () => {
		const b = await open();
		const model = emptySession();
		const dcs = richSession(0).dcs;
		const ops: (() => Promise<void>)[] = [];
		const step = (apply: (m: PersistedSession) => void, run: () => Promise<void>) => {
			apply(model);
			ops.push(run);
		};
		for (const dc of dcs)
			step(
				(m) => upsertDc(m, dc),
				() => b.updateDc(dc),
			);
		// TCPO/static bits are attributes: same slot, replaced
		const tcpo = { ...dcs[0], flags: 0x04, addr: "1.1.1.1:80" } as (typeof dcs)[number];
		step(
			(m) => upsertDc(m, tcpo),
			() => b.updateDc(tcpo),
		);
		step(
			(m) => {
				m.homeDcId = 4;
			},
			() => b.setHomeDc(4),
		);
		const changes = [
			{ type: "primary", pts: 10, date: 20, seq: 30 },
			{ type: "secondary", qts: 40 },
			{ type: "channel", channelId: 5n, pts: 1 },
			{ type: "channel", channelId: 5n, pts: 2 },
			{ type: "channel", channelId: 6n, pts: 3 },
			{
				type: "all",
				state: { pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 9n, pts: 9 }] },
			},
			{ type: "channel", channelId: 10n, pts: 10 },
		] satisfies UpdateStateChange[];
		for (const c of changes)
			step(
				(m) => applyUpdateStateChange(m.updatesState, c),
				() => b.applyUpdateState(c),
			);
		const peers = richSession(12).peers;
		step(
			(m) => upsertPeers(m, peers),
			() => b.cachePeers(peers),
		);
		for (const run of ops) await run();
		expect(sessionsEqual((await b.load()) as PersistedSession, model)).toBe(true);
	});

	it("runs many concurrent granular writes from one instance without losing any", async () => {
		const b = await open();
		const work: Promise<void>[] = [];
		for (let i = 1; i <= 300; i++) {
			work.push(
				b.cachePeer({ kind: "user", id: BigInt(i), accessHash: BigInt(i), channelKind: null }),
			);
			work.push(b.applyUpdateState({ type: "channel", channelId: BigInt(i), pts: i }));
		}
		work.push(b.applyUpdateState({ type: "primary", pts: 1, date: 2, seq: 3 }));
		await Promise.all(work);
		await b.flush();
		const s = (await b.load()) as PersistedSession;
		expect(s.peers).toHaveLength(300);
		expect(s.updatesState.channels).toHaveLength(300);
		expect(s.updatesState.pts).toBe(1);
	});

	it("caches a large batch (several scripts in one MULTI) correctly", async () => {
		const b = await open();
		const peers = Array.from({ length: 5003 }, (_, i) => ({
			kind: "user" as const,
			id: BigInt(i),
			accessHash: BigInt(i) + 1n,
			channelKind: null,
		}));
		await b.cachePeers(peers);
		const s = (await b.load()) as PersistedSession;
		expect(s.peers).toHaveLength(5003);
		expect(s.peers.every((p) => p.accessHash === p.id + 1n)).toBe(true);
	});

	it("a rejected save leaves the last good state, and readers never see a half-written save", async () => {
		const b = await open();
		const good = richSession(2000);
		await b.save(good);
		const bad = richSession(3);
		bad.updatesState.pts = 2 ** 31;
		await expect(b.save(bad)).rejects.toMatchObject({ code: "ENCODE_OVERFLOW" });
		expect(sessionsEqual((await b.load()) as PersistedSession, good)).toBe(true);
		// concurrent full saves of two different sessions; every load sees one of them, whole
		const other = emptySession();
		other.homeDcId = 9;
		other.peers.push({ kind: "user", id: 1n, accessHash: 1n, channelKind: null });
		const reader = await open({ prefix: b.prefix, sessionId: b.sessionId, lock: false });
		let stop = false;
		const seen = new Set<string>();
		const readLoop = (async () => {
			while (!stop) {
				const s = (await reader.load()) as PersistedSession;
				if (sessionsEqual(s, good)) seen.add("good");
				else if (sessionsEqual(s, other)) seen.add("other");
				else throw new Error("load returned a mix of two saves");
			}
		})();
		for (let i = 0; i < 10; i++) await b.save(i % 2 ? good : other);
		stop = true;
		await readLoop;
		expect(seen.size).toBeGreaterThan(0);
		expect(await client.keys(`${b.prefix}:*:stage:*`)).toEqual([]);
	});

	it("rejects corrupt stored data instead of guessing, and never overwrites it silently", async () => {
		const b = await open();
		await b.save(richSession(4));
		const base = b.keys.base;
		await client.hset(`${base}:peers`, "u1", Buffer.from([1, 2, 3]));
		await expect(b.load()).rejects.toBeInstanceOf(CorruptSessionError);
		await expect(
			b.cachePeer({ kind: "user", id: 1n, accessHash: 5n, channelKind: null }),
		).rejects.toBeInstanceOf(SessionBackendError);
		expect(await client.hgetBuffer(`${base}:peers`, "u1")).toEqual(Buffer.from([1, 2, 3]));
		await client.hdel(`${base}:peers`, "u1");
		await client.hset(`${base}:dcs`, "2/0", Buffer.from([1, 0, 0]));
		await expect(b.load()).rejects.toBeInstanceOf(CorruptSessionError);
		// key kind 2 (encrypted) whose bytes are no envelope, or exactly 256 bytes long
		for (const len of [300, 256]) {
			const dc = Buffer.alloc(17 + len, 0x41);
			dc.set([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 0);
			dc.writeUInt16LE(len, 15);
			if (len === 256) dc.set(Buffer.from("XSE\x01\x01\x00", "latin1"), 17);
			await client.hset(`${base}:dcs`, "2/0", dc);
			await expect(b.load(), `${len}`).rejects.toBeInstanceOf(CorruptSessionError);
		}
		await client.hdel(`${base}:dcs`, "2/0");
		await client.hset(`${base}:meta`, "pts", "12x");
		await expect(b.load()).rejects.toBeInstanceOf(CorruptSessionError);
		await client.hset(`${base}:meta`, "pts", "1", "v", "99");
		const err = await b.load().catch((e: unknown) => e);
		expect(err).toBeInstanceOf(UnsupportedVersionError);
		expect((err as UnsupportedVersionError).version).toBe(99);
	});

	it("validates arguments before sending anything", async () => {
		await expect(RedisSessionBackend.open({ client, prefix: "a{b" })).rejects.toMatchObject({
			code: "INVALID_ARGUMENT",
		});
		await expect(RedisSessionBackend.open({ client, sessionId: "" })).rejects.toMatchObject({
			code: "INVALID_ARGUMENT",
		});
		await expect(
			RedisSessionBackend.open({ client, waitForReplicas: { replicas: 1, timeoutMs: 0 } }),
		).rejects.toMatchObject({
			code: "INVALID_ARGUMENT",
		});
		const b = await open();
		await expect(b.setHomeDc(2 ** 31)).rejects.toMatchObject({ code: "ENCODE_OVERFLOW" });
		await expect(
			b.cachePeer({ kind: "user", id: 2n ** 63n, accessHash: 0n, channelKind: null }),
		).rejects.toMatchObject({
			code: "ENCODE_OVERFLOW",
		});
		const dc = {
			...(richSession(0).dcs[0] as PersistedSession["dcs"][number]),
			authKey: nonUtf8Key(0),
		};
		await expect(b.updateDc({ ...dc, flags: 256 })).rejects.toMatchObject({
			code: "INVALID_ARGUMENT",
		});
		expect(await b.load()).toBeNull();
	});

	it("close is idempotent, releases the lease, and later calls reject with CLOSED", async () => {
		const b = await open({ sessionId: "c" });
		await b.setHomeDc(3);
		await Promise.all([b.close(), b.close()]);
		await b.close();
		expect(await client.exists(b.keys.lease)).toBe(0);
		for (const call of [
			() => b.load(),
			() => b.setHomeDc(1),
			() => b.save(emptySession()),
			() => b.cachePeers([]),
		]) {
			const e = await call().catch((x: unknown) => x);
			expect(isSessionError(e, "CLOSED")).toBe(true);
		}
		const again = await open({ prefix: b.prefix, sessionId: "c" });
		expect((await again.load())?.homeDcId).toBe(3);
	});

	it("closeClient: close() also quits the client it was given", async () => {
		const own = sharedClient();
		const prefix = randomPrefix();
		prefixes.push(prefix);
		const b = await RedisSessionBackend.open({ client: own, prefix, closeClient: true });
		await b.setHomeDc(1);
		await b.close();
		for (let i = 0; i < 100 && own.status !== "end"; i++)
			await new Promise((r) => setTimeout(r, 20));
		expect(own.status).toBe("end");
		expect(await client.hget(`${b.keys.base}:meta`, "home")).toBe("1");
	});

	it("waitForReplicas reports an unreplicated write with a typed error; waitForAof needs Redis 7.2", async () => {
		// the lease is not taken when no replica confirms it: open rejects, leaving no lease
		const refused = await open({ waitForReplicas: { replicas: 1, timeoutMs: 50 } }).catch(
			(e: unknown) => e,
		);
		expect(refused).toBeInstanceOf(RedisDurabilityError);
		expect((refused as Error).message).toMatch(/given back and the session was not opened/);
		const b = await open({ lock: false, waitForReplicas: { replicas: 1, timeoutMs: 50 } });
		expect(await client.exists(b.keys.lease)).toBe(0);
		const err = await b.setHomeDc(2).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(RedisDurabilityError);
		expect((err as RedisDurabilityError).acknowledged.replicas).toBe(0);
		// the write itself was applied on the primary
		expect((await b.load())?.homeDcId).toBe(2);
		await expect(b.save(richSession(3))).rejects.toBeInstanceOf(RedisDurabilityError);
		const info = await client.info("server");
		const [major, minor] = (/redis_version:(\d+)\.(\d+)/.exec(info) ?? []).slice(1).map(Number) as [
			number,
			number,
		];
		const aof = open({ waitForAof: { local: 1, replicas: 0, timeoutMs: 100 } });
		if (major < 7 || (major === 7 && minor < 2)) {
			await expect(aof).rejects.toBeInstanceOf(RedisFeatureUnsupportedError);
		} else {
			await (await aof).close();
		}
	});

	it("works with ioredis' keyPrefix option, listing included", async () => {
		const outer = randomPrefix();
		const prefixed = sharedClient({ keyPrefix: `${outer}:` });
		try {
			const b = await RedisSessionBackend.open({
				client: prefixed,
				prefix: "inner",
				sessionId: "s",
			});
			await b.setHomeDc(4);
			expect(await client.hget(`${outer}:inner:{s}:meta`, "home")).toBe("4");
			expect(await RedisSessionBackend.listSessions({ client: prefixed, prefix: "inner" })).toEqual(
				["s"],
			);
			expect((await b.load())?.homeDcId).toBe(4);
			await b.close();
		} finally {
			await deletePrefix(client, outer);
			await prefixed.quit();
		}
	});

	it("errors never carry the command's arguments (auth keys) or a raw ioredis error", async () => {
		const b = await open();
		await b.save(richSession(2));
		// take the lease away behind the backend's back: the server-side guard refuses the save
		await client.del(b.keys.lease);
		await client.incr(b.keys.fence);
		const err = (await b.save(richSession(2)).catch((e: unknown) => e)) as Error;
		expect(err).toBeInstanceOf(SessionLockedError);
		const text = `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err)}`;
		const keyHex = Buffer.from(nonUtf8Key(1).expose().subarray(0, 8))
			.toString("hex")
			.replace(/(..)(?!$)/g, "$1 ");
		expect(text).not.toContain(keyHex);
		expect(text).not.toMatch(/Buffer|evalsha|"args"/i);
	});
});
