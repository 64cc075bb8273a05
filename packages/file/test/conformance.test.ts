import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { FileSessionBackend } from "../src/index.js";
import { tempDir } from "./helpers.js";

const encryption = { key: new Uint8Array(32).fill(9) };
for (const [flushInterval, encrypted] of [
	[0, false],
	[20, false],
	[0, true],
] as const) {
	runConformanceSuite(
		{ describe, it, beforeEach, afterEach },
		{
			name: `file${flushInterval ? ` (coalescing every ${flushInterval} ms)` : ""}${encrypted ? " (encrypted)" : ""}`,
			async createStore() {
				const dir = tempDir();
				const open: SessionBackend[] = [];
				return {
					async open(sessionId = "default") {
						const b = await FileSessionBackend.open({
							path: join(dir, `${sessionId}.session`),
							flushInterval,
							...(encrypted ? { encryption } : {}),
						});
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
	);
}
