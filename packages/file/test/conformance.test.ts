import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { FileSessionBackend } from "../src/index.js";
import { tempDir } from "./helpers.js";

for (const flushInterval of [0, 20]) {
	runConformanceSuite(
		{ describe, it, beforeEach, afterEach },
		{
			name: flushInterval ? `file (coalescing every ${flushInterval} ms)` : "file",
			async createStore() {
				const dir = tempDir();
				const open: SessionBackend[] = [];
				return {
					async open(sessionId = "default") {
						const b = await FileSessionBackend.open({
							path: join(dir, `${sessionId}.session`),
							flushInterval,
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
