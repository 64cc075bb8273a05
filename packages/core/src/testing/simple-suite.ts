// The common form of runConformanceSuite({ name, open }): the runner found from the environment,
// and per-test storage made of session ids no other test uses.
import type { SessionBackend } from "../backend.js";
import type { ConformanceHarness, ConformanceSuite, TestRunner } from "./types.js";

/**
 * `runner` when given; else the global `describe`/`it` (jest, mocha, vitest with globals); else
 * vitest's when vitest runs the file; else node:test's.
 */
export async function findRunner(runner: TestRunner | undefined): Promise<TestRunner> {
	if (runner) return runner;
	const global = globalThis as Partial<TestRunner>;
	if (typeof global.describe === "function" && typeof global.it === "function")
		return global as TestRunner;
	// a name in a variable: core has no dependency on either, and bundlers must not follow it
	const module = process.env.VITEST ? "vitest" : "node:test";
	return (await import(module)) as TestRunner;
}

let stores = 0;

/**
 * A harness whose stores share the backend's one storage: each store prefixes the session ids
 * its test asks for with its own, and deletes those sessions when destroyed.
 */
export function storesBySessionId(suite: ConformanceSuite): ConformanceHarness {
	const run = Date.now().toString(36);
	return {
		name: suite.name,
		async createStore() {
			const prefix = `xs-${run}-${++stores}`;
			const used = new Set<string>();
			const id = (sessionId = "default") => {
				const scoped = `${prefix}-${sessionId}`;
				used.add(scoped);
				return scoped;
			};
			return {
				open: (sessionId?: string): Promise<SessionBackend> => suite.open(id(sessionId)),
				async destroy() {
					for (const scoped of used) {
						// best effort: the ids are unique to this test, so a leftover changes no other
						const backend = await suite.open(scoped).catch(() => undefined);
						await backend?.delete().catch(() => undefined);
						await backend?.close().catch(() => undefined);
					}
				},
			};
		},
	};
}
