import { encodeNativeString, SessionBackendError } from "@x/session-core";
import { assertSameSession, sampleSession } from "@x/session-core/testing";
import { describe, expect, it } from "vitest";
import { StringSessionBackend } from "../src/index.js";

describe("StringSessionBackend.open", () => {
	it("opens the string in options.session, with the constructor's options", async () => {
		const changes: string[] = [];
		const backend = await StringSessionBackend.open({
			session: encodeNativeString(sampleSession()),
			onChange: (text) => changes.push(text),
		});
		assertSameSession(await backend.load(), sampleSession());
		await backend.setHomeDc(4);
		expect(changes).toEqual([backend.current()]);
	});

	it("opens a fresh session without options", async () => {
		const backend = await StringSessionBackend.open();
		expect(await backend.load()).toBeNull();
		expect(backend.current()).toBe("");
	});

	it("rejects a bad encryption option at open, where the constructor defers it to the first call", async () => {
		const encryption = { key: new Uint8Array(3) };
		await expect(StringSessionBackend.open({ encryption })).rejects.toBeInstanceOf(
			SessionBackendError,
		);
		const constructed = new StringSessionBackend("", { encryption });
		await expect(constructed.load()).rejects.toBeInstanceOf(SessionBackendError);
	});
});
