import type { SessionBackend } from "@x/session-core";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterEach, beforeEach, describe, it } from "vitest";
import { PostgresSessionBackend } from "../src/index.js";
import { available, dropSchema, PG_URL, randomSchema } from "./helpers.js";

if (!available) {
	describe.skip("postgres conformance (no server on 127.0.0.1:5432)", () => {
		it("skipped", () => {});
	});
} else {
	runConformanceSuite(
		{ describe, it, beforeEach, afterEach },
		{
			name: "postgres",
			async createStore() {
				const schema = randomSchema();
				const open: SessionBackend[] = [];
				return {
					async open(sessionId) {
						const b = await PostgresSessionBackend.open({
							connectionString: PG_URL,
							schema,
							...(sessionId ? { sessionId } : {}),
						});
						open.push(b);
						return b;
					},
					async destroy() {
						await Promise.allSettled(open.map((b) => b.close()));
						await dropSchema(schema);
					},
				};
			},
		},
		{ timeout: 60_000 },
	);
}
