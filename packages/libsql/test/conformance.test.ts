// The conformance suite on a local libSQL file and on a remote database reached over real HTTP
// (the real @libsql/client speaking Hrana to the test server in ./hrana).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import type { SessionBackend } from "@x/session-core";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { LibsqlSessionBackend } from "../src/index.js";
import { startHranaServer } from "./hrana/server.js";

const runner = { describe, it, beforeEach, afterEach };
const TOKEN = "test-token-0123456789";

runConformanceSuite(runner, {
	name: "libsql (:memory:, one shared client)",
	async createStore() {
		const client = createClient({ url: ":memory:", intMode: "bigint" });
		const open: SessionBackend[] = [];
		return {
			async open(sessionId) {
				const b = await LibsqlSessionBackend.open({ client, ...(sessionId ? { sessionId } : {}) });
				open.push(b);
				return b;
			},
			async destroy() {
				await Promise.allSettled(open.map((b) => b.close()));
				client.close();
			},
		};
	},
});

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

// Users with a real Turso or sqld can run the suite against it: LIBSQL_URL and LIBSQL_AUTH_TOKEN.
const realUrl = process.env.LIBSQL_URL;
describe.skipIf(!realUrl)("against a real libSQL server (LIBSQL_URL)", () => {
	runConformanceSuite(runner, {
		name: "libsql (LIBSQL_URL)",
		async createStore() {
			const prefix = `xs-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
			const open: SessionBackend[] = [];
			const token = process.env.LIBSQL_AUTH_TOKEN;
			const connect = { url: realUrl as string, ...(token ? { authToken: token } : {}) };
			return {
				async open(sessionId = "default") {
					const b = await LibsqlSessionBackend.open({
						...connect,
						sessionId: `${prefix}-${sessionId}`,
					});
					open.push(b);
					return b;
				},
				async destroy() {
					await Promise.allSettled(open.map((b) => b.close()));
					for (const id of [
						"default",
						"account-a",
						"account-b",
						"named",
						"locked",
						"held",
						"capability-probe",
					])
						await LibsqlSessionBackend.deleteSession(connect, `${prefix}-${id}`).catch(() => false);
				},
			};
		},
	});
});
