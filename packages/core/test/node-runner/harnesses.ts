// The backends the conformance suite runs against under node:test (see node-runner.test.ts): the
// in-memory backend and the file backend in a temp dir. Core cannot depend on its backends (they
// depend on it), so they are imported from their sources; each resolves `@x/session-core` to the
// same source files as this directory does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSessionBackend } from "../../../file/src/index.js";
import { MemorySessionBackend } from "../../../memory/src/index.js";
import type { SessionBackend } from "../../src/index.js";
import type { ConformanceHarness } from "../../src/testing/index.js";

export const harnesses: ConformanceHarness[] = [
	{
		name: "memory",
		async createStore() {
			return { open: async () => new MemorySessionBackend(), destroy: async () => {} };
		},
	},
	{
		name: "file",
		async createStore() {
			const dir = mkdtempSync(join(tmpdir(), "xs-node-test-"));
			const open: SessionBackend[] = [];
			return {
				async open(sessionId = "default") {
					const b = await FileSessionBackend.open({ path: join(dir, `${sessionId}.session`) });
					open.push(b);
					return b;
				},
				async destroy() {
					await Promise.allSettled(open.map((b) => b.close()));
					rmSync(dir, { recursive: true, force: true });
				},
			};
		},
	},
];
