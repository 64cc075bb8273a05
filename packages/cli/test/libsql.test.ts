import { existsSync } from "node:fs";
import { join } from "node:path";
import { decodeNativeString, normalizeSession, sessionsEqual } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { cli, leakedSecret, sessionFileFixture } from "./helpers.js";

// libsql: locations through the built binary, on a local libSQL database file
// (@libsql/client's own engine, not better-sqlite3).

const { dir, file, session, secrets } = sessionFileFixture();

describe("x-session on libsql:file:PATH#SESSION", () => {
	it("convert verifies, refuses to overwrite, --force replaces; list, inspect, export back, delete", async () => {
		const db = join(dir, "sessions.db");
		const to = `libsql:file:${db}#bot`;
		const first = await cli(["convert", `file:${file}`, to]);
		expect(first.code, first.stderr).toBe(0);
		expect(first.stdout).toMatch(
			/^converted file:.* -> libsql:.*#bot \(3 DCs, 6 peers, 1 min peer; verified\)\n$/,
		);
		expect(leakedSecret(first.stdout + first.stderr, secrets)).toBeUndefined();

		const again = await cli(["convert", `file:${file}`, to]);
		expect(again.code).toBe(1);
		expect(again.stderr.split("\n").filter(Boolean)).toHaveLength(1);
		expect(again.stderr).toMatch(/--force/);
		const forced = await cli(["convert", `file:${file}`, to, "--force"]);
		expect(forced.code, forced.stderr).toBe(0);

		expect((await cli(["convert", `file:${file}`, `libsql:file:${db}#second`])).code).toBe(0);
		expect((await cli(["list", `libsql:file:${db}`])).stdout).toBe("bot\nsecond\n");

		const inspect = await cli(["inspect", to, "--json"]);
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(inspect.stdout.trim().split("\n")).toHaveLength(1);
		const facts = JSON.parse(inspect.stdout) as { homeDcId: number };
		expect(facts.homeDcId).toBe(2);
		expect(leakedSecret(inspect.stdout, secrets)).toBeUndefined();

		const str = await cli(["convert", to, "string:"]);
		expect(str.code, str.stderr).toBe(0);
		expect(sessionsEqual(decodeNativeString(str.stdout.trim()), normalizeSession(session))).toBe(
			true,
		);

		expect((await cli(["delete", to, "--yes"])).code).toBe(0);
		expect((await cli(["inspect", to])).code).toBe(3);
		expect((await cli(["list", `libsql:file:${db}`, "--json"])).stdout).toBe(
			'{"sessions":["second"]}\n',
		);
	}, 120_000);

	it("a missing database is exit 3 and is not created", async () => {
		const missing = join(dir, "missing.db");
		const r = await cli(["inspect", `libsql:file:${missing}#x`]);
		expect(r.code).toBe(3);
		expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
		expect(existsSync(missing)).toBe(false);
	});
});
