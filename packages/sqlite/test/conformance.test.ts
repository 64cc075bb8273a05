import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SessionBackend, SessionCipher, withEncryptedSecrets } from "@x/session-core";
import { runConformanceSuite } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, it } from "vitest";
import { SqliteSessionBackend } from "../src/index.js";

const runner = { describe, it, beforeEach, afterEach };
const cipher = await SessionCipher.create({ key: new Uint8Array(32).fill(6) });

for (const variant of [
	"file",
	"shared connection",
	":memory:",
	"coalescing",
	"encrypted secrets",
] as const) {
	runConformanceSuite(runner, {
		name: `sqlite (${variant})`,
		async createStore() {
			const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-"));
			const path = join(dir, "sessions.db");
			const shared =
				variant === "shared connection"
					? new Database(path)
					: variant === ":memory:"
						? new Database(":memory:")
						: undefined;
			const open: SessionBackend[] = [];
			return {
				async open(sessionId) {
					const b = await SqliteSessionBackend.open({
						database: shared ?? path,
						...(variant === "coalescing" ? { flushInterval: 20 } : {}),
						...(sessionId ? { sessionId } : {}),
					});
					open.push(b);
					return variant === "encrypted secrets" ? withEncryptedSecrets(b, cipher) : b;
				},
				async destroy() {
					await Promise.allSettled(open.map((b) => b.close()));
					shared?.close();
					rmSync(dir, { recursive: true, force: true });
				},
			};
		},
	});
}
