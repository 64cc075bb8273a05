// The conformance suite on a local libSQL file and on a remote database reached over real HTTP
// (the real @libsql/client speaking Hrana to the test server in ./hrana).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionBackend } from "@x/session-core";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { LibsqlSessionBackend } from "../src/index.js";
import { startHranaServer } from "./hrana/server.js";

const runner = { describe, it, beforeEach, afterEach };
const TOKEN = "test-token-0123456789";

for (const remote of [false, true]) {
	runConformanceSuite(
		runner,
		{
			name: remote ? "libsql (remote over Hrana/HTTP)" : "libsql (local file)",
			async createStore() {
				const dir = mkdtempSync(join(tmpdir(), "xs-libsql-"));
				const path = join(dir, "sessions.db");
				const server = remote ? await startHranaServer({ path, token: TOKEN }) : undefined;
				const open: SessionBackend[] = [];
				return {
					async open(sessionId) {
						const b = await LibsqlSessionBackend.open({
							...(server ? { url: server.url, authToken: TOKEN } : { url: `file:${path}` }),
							...(sessionId ? { sessionId } : {}),
						});
						open.push(b);
						return b;
					},
					async destroy() {
						await Promise.allSettled(open.map((b) => b.close()));
						await server?.close();
						rmSync(dir, { recursive: true, force: true });
					},
				};
			},
		},
		{ timeout: 60_000 },
	);
}
