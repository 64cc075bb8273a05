// Two tabs of one origin on one session: a second page of the browser (tabs.ts) holds the
// writer lock; this page is refused, reads read-only, and takes over once that tab is closed.
import { isSessionError, SessionLockedError } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { commands } from "vitest/browser";
import { IdbSessionBackend, lockName } from "../../src/index.js";

const database = `xs-tabs-${Date.now().toString(36)}`;

describe("idb: one writer across tabs", () => {
	it("a second tab is refused, reads read-only, and takes over when the first tab closes", async () => {
		const tab = await commands.openWriterTab(database, "acct", 4);

		const refused = await IdbSessionBackend.open({ database, sessionId: "acct" }).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(refused).toBeInstanceOf(SessionLockedError);
		expect(isSessionError(refused, "LOCKED")).toBe(true);
		expect((refused as Error).message).toMatch(/another tab.*readOnly: true/);
		await expect(IdbSessionBackend.deleteSession({ database }, "acct")).rejects.toBeInstanceOf(
			SessionLockedError,
		);

		const viewer = await IdbSessionBackend.open({ database, sessionId: "acct", readOnly: true });
		expect(viewer.readOnly).toBe(true);
		expect((await viewer.load())?.homeDcId).toBe(4);
		await expect(viewer.setHomeDc(5)).rejects.toMatchObject({ code: "UNSUPPORTED" });
		expect((await viewer.load())?.homeDcId).toBe(4);
		await viewer.close();

		await commands.closeTab(tab);
		// the browser releases a closed page's locks: waiting for this one needs no timeout
		await navigator.locks.request(lockName(database, "acct"), async () => {});
		const next = await IdbSessionBackend.open({ database, sessionId: "acct" });
		expect((await next.load())?.homeDcId).toBe(4);
		await next.setHomeDc(5);
		await next.close();
		expect(await IdbSessionBackend.deleteSession({ database }, "acct")).toBe(true);
	});

	it("within one page, a second open is refused until the first closes", async () => {
		const a = await IdbSessionBackend.open({ database, sessionId: "same-page" });
		await expect(
			IdbSessionBackend.open({ database, sessionId: "same-page" }),
		).rejects.toBeInstanceOf(SessionLockedError);
		await a.close();
		const b = await IdbSessionBackend.open({ database, sessionId: "same-page" });
		await b.close();
		expect(await IdbSessionBackend.deleteSession({ database }, "same-page")).toBe(false);
	});
});
