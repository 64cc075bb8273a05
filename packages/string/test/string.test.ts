import { inspect } from "node:util";
import { encodeNativeString } from "@x/session-core";
import {
	assertSameSession,
	runConformanceSuite,
	sampleSession,
	sessionWithExtensions,
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
	// the backend's behaviour without Node APIs: string-backend.test.ts (also run in Chromium)
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
