import { inspect } from "node:util";
import {
	CorruptSessionError,
	compactFromSession,
	decodeNativeString,
	encodeCompactString,
	encodeNativeString,
	isSessionError,
	SessionEncryptionError,
} from "@x/session-core";
import {
	assertSameSession,
	runConformanceSuite,
	sampleSession,
	sessionWithExtensions,
	testPeer,
} from "@x/session-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StringSessionBackend } from "../src/index.js";

runConformanceSuite(
	{ describe, it, beforeEach, afterEach },
	{
		name: "string",
		async createStore() {
			return { open: async () => new StringSessionBackend(""), destroy: async () => {} };
		},
	},
);

describe("StringSessionBackend", () => {
	it("loads a native string and hands every new native string to onChange", async () => {
		const seen: string[] = [];
		const backend = new StringSessionBackend(encodeNativeString(sampleSession()), {
			onChange: (s) => {
				seen.push(s);
			},
		});
		assertSameSession(await backend.load(), sampleSession());
		await backend.setHomeDc(4);
		await backend.cachePeer(testPeer("user", 3n, 33n));
		expect(seen).toHaveLength(2);
		expect(backend.current()).toBe(seen[1]);
		const decoded = decodeNativeString(backend.current());
		expect(decoded.homeDcId).toBe(4);
		expect(decoded.peers.some((p) => p.id === 3n && p.accessHash === 33n)).toBe(true);
		expect(backend.origin()).toEqual({ format: "native" });
	});

	it("an empty or whitespace string is a fresh session", async () => {
		const backend = new StringSessionBackend("  \n");
		expect(await backend.load()).toBeNull();
		expect(backend.origin()).toEqual({ format: "empty" });
		await backend.applyUpdateState({ type: "secondary", qts: 5 });
		expect(decodeNativeString(backend.current()).updatesState.qts).toBe(5);
	});

	it("imports a compact string and keeps its user id (B10)", async () => {
		const session = sampleSession();
		const compact = compactFromSession(session, 123_456_789n);
		if (!compact) throw new Error("sample session has no compact form");
		const backend = new StringSessionBackend(encodeCompactString(compact));
		const loaded = await backend.load();
		expect(loaded?.homeDcId).toBe(2);
		expect(loaded?.dcs[0]?.authKey?.equals(compact.authKey)).toBe(true);
		expect(backend.origin()).toEqual({ format: "compact", userId: 123_456_789n });
		await backend.setHomeDc(2);
		expect(decodeNativeString(backend.current()).dcs[0]?.authKey?.equals(compact.authKey)).toBe(
			true,
		);
		expect(backend.origin().userId).toBe(123_456_789n);
	});

	it("an invalid string rejects load() and writes with a typed error and is kept as it was", async () => {
		const bad = `${encodeNativeString(sampleSession()).slice(0, 80)}`;
		const changes: string[] = [];
		const backend = new StringSessionBackend(bad, { onChange: (s) => void changes.push(s) });
		const error = await backend.load().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CorruptSessionError);
		expect(isSessionError(error)).toBe(true);
		expect((error as Error).message).toMatch(/^\[x-session\] \[string\] /);
		expect((error as Error).message).not.toContain(bad.slice(10, 40));
		await expect(backend.setHomeDc(1)).rejects.toBeInstanceOf(CorruptSessionError);
		await expect(backend.cachePeer(testPeer("user", 1n, 1n))).rejects.toThrow(/does not decode/);
		expect(backend.current()).toBe(bad);
		expect(changes).toEqual([]);
	});

	it("not-base64 text is a typed error too", async () => {
		await expect(new StringSessionBackend("not a session!").load()).rejects.toSatisfy((e) =>
			isSessionError(e, "CORRUPT_DATA"),
		);
	});

	it("a rejecting onChange fails the write and keeps the previous string", async () => {
		const initial = encodeNativeString(sampleSession());
		const backend = new StringSessionBackend(initial, {
			onChange: async () => {
				throw new Error("secret store is down");
			},
		});
		await expect(backend.setHomeDc(5)).rejects.toSatisfy((e) => isSessionError(e, "IO"));
		expect(backend.current()).toBe(initial);
		expect((await backend.load())?.homeDcId).toBe(2);
	});

	it("delete() empties the string and tells onChange", async () => {
		const seen: string[] = [];
		const backend = new StringSessionBackend(encodeNativeString(sampleSession()), {
			onChange: (s) => void seen.push(s),
		});
		await backend.delete();
		expect(backend.current()).toBe("");
		expect(seen).toEqual([""]);
		expect(await backend.load()).toBeNull();
	});

	it("never shows the string in inspect or JSON", async () => {
		const text = encodeNativeString(sampleSession());
		const backend = new StringSessionBackend(text);
		await backend.load();
		expect(inspect(backend, { depth: 5 })).not.toContain(text.slice(0, 30));
		expect(JSON.stringify(backend)).not.toContain(text.slice(0, 30));
	});
});

describe("client metadata in the string", () => {
	it("travels in the string's trailer and is read back by a new instance", async () => {
		const a = new StringSessionBackend("");
		const session = sessionWithExtensions(4);
		await a.save(session);
		const b = new StringSessionBackend(a.current());
		assertSameSession(await b.load(), session);
		expect((await b.findPeerByUsername("@USER_400"))?.id).toBe(session.peers[0]?.id);
		// a reader of ferogram strings sees the plain session: the body is unchanged
		const plain = new StringSessionBackend("");
		await plain.save({
			...session,
			extensions: new Map(),
			peers: session.peers.map(({ meta: _, ...p }) => p),
		});
		expect(a.current().startsWith(plain.current().slice(0, -4))).toBe(true);
	});

	it("peerData: false drops each peer's data, in the string and in what load() returns", async () => {
		const session = sessionWithExtensions(5);
		const full = new StringSessionBackend("");
		const small = new StringSessionBackend("", { peerData: false });
		await full.save(session);
		await small.save(session);
		expect(small.current().length).toBeLessThan(full.current().length);
		for (const s of [await small.load(), await new StringSessionBackend(small.current()).load()]) {
			const metas = (s?.peers ?? []).filter((p) => p.meta);
			expect(metas.length).toBe(session.peers.filter((p) => p.meta).length);
			for (const p of metas) expect(p.meta?.data).toBeNull();
			expect(metas.some((p) => p.meta?.name !== null)).toBe(true);
		}
	});
});

describe("encryption", () => {
	const key = new Uint8Array(32).fill(4);

	it("every new string is an xse1_ envelope that loads only with the key", async () => {
		const seen: string[] = [];
		const backend = new StringSessionBackend(encodeNativeString(sampleSession()), {
			encryption: { key },
			onChange: (s) => void seen.push(s),
		});
		assertSameSession(await backend.load(), sampleSession()); // a plain string still loads
		await backend.setHomeDc(2);
		expect(backend.current()).toMatch(/^xse1_[A-Za-z0-9_-]+$/);
		expect(seen).toEqual([backend.current()]);
		const again = new StringSessionBackend(backend.current(), { encryption: { key } });
		assertSameSession(await again.load(), sampleSession());
		expect(again.origin()).toEqual({ format: "encrypted" });
		await expect(new StringSessionBackend(backend.current()).load()).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "missing-key",
		);
		const wrong = new StringSessionBackend(backend.current(), {
			encryption: { key: new Uint8Array(32) },
		});
		await expect(wrong.load()).rejects.toSatisfy(
			(e) => e instanceof SessionEncryptionError && e.reason === "wrong-key",
		);
		expect(wrong.current()).toBe(backend.current());
	});

	it("rotates and turns encryption off", async () => {
		const backend = new StringSessionBackend("", { encryption: { key } });
		await backend.save(sampleSession());
		await backend.setEncryption({ passphrase: "next", iterations: 100_000 });
		const rotated = backend.current();
		await expect(
			new StringSessionBackend(rotated, { encryption: { key } }).load(),
		).rejects.toBeInstanceOf(SessionEncryptionError);
		await backend.setEncryption(null);
		assertSameSession(decodeNativeString(backend.current()), sampleSession());
	});
});
