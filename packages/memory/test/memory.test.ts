import {
	assertSameSession,
	runConformanceSuite,
	sampleSession,
	testPeer,
} from "@x/session-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemorySessionBackend } from "../src/index.js";

runConformanceSuite(
	{ describe, it, beforeEach, afterEach },
	{
		name: "memory",
		async createStore() {
			return { open: async () => new MemorySessionBackend(), destroy: async () => {} };
		},
	},
);

describe("MemorySessionBackend", () => {
	it("starts from a copy of the initial session", async () => {
		const initial = sampleSession();
		const backend = new MemorySessionBackend(initial);
		initial.homeDcId = 1;
		assertSameSession(await backend.load(), sampleSession());
	});

	it("snapshot() is a copy that sees completed granular writes", async () => {
		const backend = new MemorySessionBackend();
		expect(backend.snapshot()).toBeNull();
		await backend.cachePeer(testPeer("user", 1n, 2n));
		const snap = backend.snapshot();
		expect(snap?.peers).toEqual([testPeer("user", 1n, 2n)]);
		snap?.peers.pop();
		expect(backend.snapshot()?.peers).toHaveLength(1);
	});

	it("a peer passed to cachePeer can be changed afterwards without reaching the store", async () => {
		const backend = new MemorySessionBackend();
		const peer = testPeer("channel", 5n, 50n, "broadcast");
		const pending = backend.cachePeer(peer);
		peer.accessHash = 1n;
		await pending;
		expect((await backend.load())?.peers[0]?.accessHash).toBe(50n);
	});
});
