// What the write-behind queue writes, against the real GramJS (npm `telegram` 2.26), offline:
// an entity GramJS sees again unchanged is not written again; a change of its hash, username,
// phone or name is; a username another peer took in between is claimed back; claims reach the
// backend in the order GramJS saw them.

import { createRequire } from "node:module";
import type { CachedPeer, SessionBackend } from "@x/session-core";
import { MemorySessionBackend } from "@x/session-memory";
import { Api } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { MemorySession } from "telegram/sessions/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockNetwork } from "../../core/test/offline.js";
import { type GramjsBackedSession, gramjsSession } from "../src/index.js";
import { failingCachePeers } from "./flaky.js";

const bigInt = createRequire(createRequire(import.meta.url).resolve("telegram"))("big-integer") as (
	v: string | number,
) => never;

let unblock: () => void;
beforeAll(() => {
	unblock = blockNetwork();
});
afterAll(() => unblock());

type Session = MemorySession & GramjsBackedSession;

/** A memory backend that records the peers of every `cachePeers` batch it is given. */
function recording(): { backend: SessionBackend; batches: CachedPeer[][] } {
	const inner = new MemorySessionBackend();
	const batches: CachedPeer[][] = [];
	const backend = new Proxy(inner, {
		get(target, prop, receiver) {
			if (prop === "cachePeers")
				return (peers: CachedPeer[]) => {
					batches.push([...peers]);
					return inner.cachePeers(peers);
				};
			const value = Reflect.get(target, prop, receiver);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { backend, batches };
}

async function sessionOn(backend: SessionBackend): Promise<Session> {
	const session = gramjsSession<MemorySession>({ MemorySession, AuthKey }, backend, {
		flushDelayMs: 60_000,
		closeBackend: false,
	});
	await session.load();
	return session;
}

interface UserFields {
	hash?: number | string;
	username?: string;
	phone?: string;
	firstName?: string;
}

function user(id: number, fields: UserFields = {}): Api.User {
	return new Api.User({
		id: bigInt(id),
		accessHash: bigInt(fields.hash ?? id * 10),
		username: fields.username ?? `user_${id}`,
		phone: fields.phone ?? `1555000${id}`,
		firstName: fields.firstName ?? `User ${id}`,
	});
}

const ids = (batch: CachedPeer[] | undefined) => (batch ?? []).map((p) => String(p.id));

describe("write-behind of processEntities (telegram 2.26)", () => {
	it("an entity seen again unchanged is not written again, in memory or after a restart", async () => {
		const { backend, batches } = recording();
		const session = await sessionOn(backend);
		session.processEntities({ users: [user(1), user(2)] });
		await session.flush();
		expect(batches.map(ids)).toEqual([["1", "2"]]);
		session.processEntities({ users: [user(1), user(2)] });
		session.processEntities({ users: [user(2)], chats: [] });
		await session.flush();
		expect(batches).toHaveLength(1);
		expect(session.getEntityRowsByUsername("user_2")).toEqual(["2", "20"]);

		// the same for rows read back from the store
		const again = await sessionOn(backend);
		again.processEntities({ users: [user(1), user(2)] });
		await again.flush();
		expect(batches).toHaveLength(1);
		expect(again.getEntityRowsByPhone("+15550001")).toEqual(["1", "10"]);
	});

	it("a changed hash, username, phone or name is written, and only that peer", async () => {
		const { backend, batches } = recording();
		const session = await sessionOn(backend);
		session.processEntities({ users: [user(1), user(2), user(3), user(4), user(5)] });
		await session.flush();
		session.processEntities({
			users: [
				user(1, { hash: 99 }),
				user(2, { username: "Renamed" }),
				user(3, { phone: "15559999" }),
				user(4, { firstName: "Someone Else" }),
				user(5),
			],
		});
		await session.flush();
		expect(batches.map(ids)).toEqual([
			["1", "2", "3", "4", "5"],
			["1", "2", "3", "4"],
		]);
		const stored = new Map((await backend.load())?.peers.map((p) => [String(p.id), p]));
		expect(stored.get("1")?.accessHash).toBe(99n);
		expect(stored.get("2")?.meta?.usernames).toEqual(["renamed"]);
		expect(stored.get("3")?.meta?.phone).toBe("15559999");
		expect(stored.get("4")?.meta?.name).toBe("Someone Else");
		expect(session.getEntityRowsByUsername("user_2")).toBeUndefined();
		expect(session.getEntityRowsByUsername("renamed")?.[0]).toBe("2");
		expect(session.getEntityRowsByPhone("15550003")).toBeUndefined();
		expect(session.getEntityRowsByName("User 4")).toBeUndefined();
		expect(session.getEntityRowsByName("Someone Else")?.[0]).toBe("4");
	});

	it("an unchanged entity whose username another peer took in between is written to claim it back", async () => {
		const { backend, batches } = recording();
		const session = await sessionOn(backend);
		session.processEntities({ users: [user(1, { username: "shared" })] });
		await session.flush();
		session.processEntities({ users: [user(2, { username: "shared" })] });
		await session.flush();
		expect((await backend.findPeerByUsername("shared"))?.id).toBe(2n);
		session.processEntities({ users: [user(1, { username: "shared" })] });
		await session.flush();
		expect(batches.map(ids)).toEqual([["1"], ["2"], ["1"]]);
		expect((await backend.findPeerByUsername("shared"))?.id).toBe(1n);
		expect(session.getEntityRowsByUsername("shared")?.[0]).toBe("1");
	});

	it("claims reach the backend in the order GramJS saw them, however the queue coalesced", async () => {
		const { backend, batches } = recording();
		const session = await sessionOn(backend);
		// one flush: 1 takes the username, 2 takes it over, 1 (changed) takes it back
		session.processEntities({ users: [user(1, { username: "shared" })] });
		session.processEntities({ users: [user(2, { username: "shared" })] });
		session.processEntities({ users: [user(1, { username: "shared", hash: 7 })] });
		expect(session.getEntityRowsByUsername("shared")).toEqual(["1", "7"]);
		await session.flush();
		expect(batches.map(ids)).toEqual([["2", "1"]]);
		expect((await backend.findPeerByUsername("shared"))?.id).toBe(1n);
		const again = await sessionOn(backend);
		expect(again.getEntityRowsByUsername("shared")).toEqual(["1", "7"]);
	});

	it("a failed flush keeps its rows queued under the ones that replaced them meanwhile", async () => {
		const { backend, batches } = recording();
		const flaky = failingCachePeers(backend, 1);
		const session = gramjsSession<MemorySession>({ MemorySession, AuthKey }, flaky, {
			flushDelayMs: 60_000,
			onError: () => {},
		});
		await session.load();
		session.processEntities({ users: [user(1, { hash: 1 }), user(2)] });
		await expect(session.flush()).rejects.toThrow("backend down");
		session.processEntities({ users: [user(1, { hash: 2 })] });
		// seen again unchanged while queued: still written once the backend is back
		session.processEntities({ users: [user(2)] });
		await session.flush();
		expect(batches.map(ids)).toEqual([["2", "1"]]);
		const stored = new Map((await backend.load())?.peers.map((p) => [String(p.id), p]));
		expect(stored.get("1")?.accessHash).toBe(2n);
		expect(stored.get("2")?.accessHash).toBe(20n);
	});

	it("new rows are indexed in the order they came, also within one call", async () => {
		const session = await sessionOn(new MemorySessionBackend());
		session.processEntities({
			users: [user(1, { username: "first" }), user(2, { username: "first", phone: "15550001" })],
		});
		expect(session.getEntityRowsByUsername("first")?.[0]).toBe("2");
		expect(session.getEntityRowsByPhone("15550001")?.[0]).toBe("2");
		session.processEntities({ users: [user(3, { username: "third" })] });
		// a row replacing one is indexed after the new rows before it
		session.processEntities({ users: [user(2, { username: "second" })] });
		expect(session.getEntityRowsByUsername("first")).toBeUndefined();
		expect(session.getEntityRowsByUsername("second")?.[0]).toBe("2");
		expect(session.getEntityRowsByUsername("third")?.[0]).toBe("3");
		expect(session.getEntityRowsById("3")?.[0]).toBe("3");
	});

	it("a stored peer a GramJS row cannot say in full (two usernames) is rewritten when seen", async () => {
		const { backend, batches } = recording();
		await backend.cachePeers([
			{
				kind: "user",
				id: 1n,
				accessHash: 10n,
				channelKind: null,
				meta: {
					usernames: ["user_1", "other_name"],
					phone: "15550001",
					name: "User 1",
					updatedAt: 1,
					isMin: false,
					data: null,
				},
			},
		]);
		const session = await sessionOn(backend);
		session.processEntities({ users: [user(1)] });
		await session.flush();
		expect(batches.map(ids)).toEqual([["1"], ["1"]]);
		expect((await backend.load())?.peers[0]?.meta?.usernames).toEqual(["user_1"]);
		session.processEntities({ users: [user(1)] });
		await session.flush();
		expect(batches).toHaveLength(2);
	});
});
