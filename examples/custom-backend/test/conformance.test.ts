// The whole proof that JsonFileSessionBackend keeps the SessionBackend contract.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { JsonFileSessionBackend } from "../src/index.js";

runConformanceSuite(
	{ describe, it, beforeEach, afterEach },
	{
		name: "json-file",
		createStore: async () => {
			const dir = mkdtempSync(join(tmpdir(), "xs-json-file-"));
			const open: JsonFileSessionBackend[] = [];
			return {
				open: async (sessionId = "default") => {
					const backend = await JsonFileSessionBackend.open({
						path: join(dir, `${sessionId}.json`),
					});
					open.push(backend);
					return backend;
				},
				destroy: async () => {
					await Promise.allSettled(open.map((b) => b.close()));
					rmSync(dir, { recursive: true, force: true });
				},
			};
		},
	},
);
