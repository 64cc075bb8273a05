// In Node there is no IndexedDB: every entry point refuses with a typed error that names the
// backends that do run there. (The backend's own tests run in Chromium: test/browser/.)
import { isSessionError } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { IdbSessionBackend } from "../src/index.js";

describe("idb outside a browser", () => {
	it("open, listSessions and deleteSession reject with UNSUPPORTED, naming the alternatives", async () => {
		for (const call of [
			() => IdbSessionBackend.open({ sessionId: "a" }),
			() => IdbSessionBackend.listSessions(),
			() => IdbSessionBackend.deleteSession({}, "a"),
		]) {
			const error = await call().then(
				() => undefined,
				(e: unknown) => e,
			);
			expect(isSessionError(error, "UNSUPPORTED")).toBe(true);
			expect(String((error as Error).message)).toMatch(/\[idb\].*@x\/session-file/);
		}
	});
});
