// The string backend's behaviour with nothing from Node: this file also runs in headless Chromium
// (vitest.browser.config.ts), so it imports only the public API and builds its own sessions.
import {
	CorruptSessionError,
	compactFromSession,
	DcFlags,
	decodeNativeString,
	defaultDcTable,
	emptySession,
	encodeCompactString,
	encodeNativeString,
	encodeSession,
	isSessionError,
	type PersistedSession,
	SecretBytes,
	SessionEncryptionError,
} from "@x/session-core";
import { describe, expect, it } from "vitest";
import { StringSessionBackend } from "../src/index.js";

function key(seed: number): SecretBytes {
	const bytes = new Uint8Array(256);
	for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 17 + 5) & 0xff;
	return new SecretBytes(bytes);
}

function sample(): PersistedSession {
	const session = emptySession();
	session.homeDcId = 2;
	session.dcs = defaultDcTable({ ipv6: true });
	for (const dc of session.dcs) {
		if (dc.dcId === 2 && dc.flags === DcFlags.NONE) {
			dc.authKey = key(1);
			dc.firstSalt = -0x1234_5678_9abc_def0n;
			dc.timeOffset = -3;
		}
	}
	session.updatesState.pts = 1201;
	session.peers.push(
		{ kind: "user", id: 777_000n, accessHash: -9_000_000_000_000_000_001n, channelKind: null },
		{ kind: "channel", id: 1_234n, accessHash: 5_678n, channelKind: "megagroup" },
	);
	return session;
}

/** Same session: the canonical v8 bytes agree (keys included). */
function expectSame(actual: PersistedSession | null, expected: PersistedSession): void {
	expect(actual).not.toBeNull();
	expect(encodeSession(actual as PersistedSession)).toEqual(encodeSession(expected));
}

describe("StringSessionBackend (portable)", () => {
	it("loads a native string and hands every new native string to onChange", async () => {
		const seen: string[] = [];
		const backend = new StringSessionBackend(encodeNativeString(sample()), {
			onChange: (s) => void seen.push(s),
		});
		expectSame(await backend.load(), sample());
		await backend.setHomeDc(4);
		await backend.cachePeer({ kind: "user", id: 3n, accessHash: 33n, channelKind: null });
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

	it("imports a compact string and keeps its user id", async () => {
		const compact = compactFromSession(sample(), 123_456_789n);
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
	});

	it("an invalid string rejects load() and writes with a typed error and is kept as it was", async () => {
		const bad = encodeNativeString(sample()).slice(0, 80);
		const changes: string[] = [];
		const backend = new StringSessionBackend(bad, { onChange: (s) => void changes.push(s) });
		const error = await backend.load().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CorruptSessionError);
		expect((error as Error).message).toMatch(/^\[x-session\] \[string\] /);
		expect((error as Error).message).not.toContain(bad.slice(10, 40));
		await expect(backend.setHomeDc(1)).rejects.toBeInstanceOf(CorruptSessionError);
		expect(backend.current()).toBe(bad);
		expect(changes).toEqual([]);
		await expect(new StringSessionBackend("not a session!").load()).rejects.toSatisfy((e) =>
			isSessionError(e, "CORRUPT_DATA"),
		);
	});

	it("a rejecting onChange fails the write and keeps the previous string", async () => {
		const initial = encodeNativeString(sample());
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
		const backend = new StringSessionBackend(encodeNativeString(sample()), {
			onChange: (s) => void seen.push(s),
		});
		await backend.delete();
		expect(backend.current()).toBe("");
		expect(seen).toEqual([""]);
		expect(await backend.load()).toBeNull();
	});

	it("never shows the string in JSON", async () => {
		const text = encodeNativeString(sample());
		const backend = new StringSessionBackend(text);
		await backend.load();
		expect(JSON.stringify(backend)).not.toContain(text.slice(0, 30));
		expect(String(backend)).not.toContain(text.slice(0, 30));
	});
});

describe("encryption (WebCrypto)", () => {
	const aesKey = new Uint8Array(32).fill(4);

	it("every new string is an xse1_ envelope that loads only with the key", async () => {
		const seen: string[] = [];
		const backend = new StringSessionBackend(encodeNativeString(sample()), {
			encryption: { key: aesKey },
			onChange: (s) => void seen.push(s),
		});
		expectSame(await backend.load(), sample()); // a plain string still loads
		await backend.setHomeDc(2);
		expect(backend.current()).toMatch(/^xse1_[A-Za-z0-9_-]+$/);
		expect(seen).toEqual([backend.current()]);
		const again = new StringSessionBackend(backend.current(), { encryption: { key: aesKey } });
		expectSame(await again.load(), sample());
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

	it("rotates to a passphrase and turns encryption off", async () => {
		const backend = new StringSessionBackend("", { encryption: { key: aesKey } });
		await backend.save(sample());
		await backend.setEncryption({ passphrase: "next", iterations: 100_000 });
		const rotated = backend.current();
		await expect(
			new StringSessionBackend(rotated, { encryption: { key: aesKey } }).load(),
		).rejects.toBeInstanceOf(SessionEncryptionError);
		expectSame(
			await new StringSessionBackend(rotated, {
				encryption: { passphrase: "next", iterations: 100_000 },
			}).load(),
			sample(),
		);
		await backend.setEncryption(null);
		expectSame(decodeNativeString(backend.current()), sample());
	});
});
