import { assertSameSession, sampleSession } from "@x/session-core/testing";
import { describe, expect, it } from "vitest";
import { MemorySessionBackend } from "../src/index.js";

describe("MemorySessionBackend.open", () => {
	it("opens empty, like the constructor", async () => {
		const backend = await MemorySessionBackend.open();
		expect(backend).toBeInstanceOf(MemorySessionBackend);
		expect(await backend.load()).toBeNull();
	});

	it("holds a copy of options.initial: changing the object afterwards does not reach the store", async () => {
		const initial = sampleSession();
		const backend = await MemorySessionBackend.open({ initial });
		initial.homeDcId = 1;
		assertSameSession(await backend.load(), sampleSession());
	});
});
