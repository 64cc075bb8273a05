// The shared conformance suite against IndexedDB in headless Chromium (vitest.browser.config.ts),
// plain and with encryption at rest. Every test uses session ids of its own in one database.
import "./shims/setup.js";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { IdbSessionBackend } from "../../src/index.js";

const runner = { describe, it, beforeEach, afterEach };
const database = `xs-conformance-${Date.now().toString(36)}`;

await runConformanceSuite({
	name: "idb",
	runner,
	open: (sessionId) => IdbSessionBackend.open({ database, sessionId }),
});
await runConformanceSuite({
	name: "idb (encrypted at rest)",
	runner,
	open: (sessionId) =>
		IdbSessionBackend.open({
			database,
			sessionId,
			encryption: { key: new Uint8Array(32).fill(7) },
		}),
});
