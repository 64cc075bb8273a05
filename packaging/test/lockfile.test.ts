// The pins the packaging projects install with: read from pnpm-lock.yaml, and the check that flags
// any installed version the lockfile did not resolve.
import { describe, expect, it } from "vitest";
import { lockedSpec, lockedVersions, lockOverrides, unlockedPackages } from "../lockfile.js";

const SAMPLE = `lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      ioredis:
        specifier: ^6.0.0
        version: 6.0.0

packages:

  '@types/node@12.20.55':
    resolution: {integrity: sha512-a}

  '@types/node@20.19.43':
    resolution: {integrity: sha512-b}

  ioredis@6.0.0:
    resolution: {integrity: sha512-c}

  '@libsql/client@0.18.0':
    resolution: {integrity: sha512-d}

snapshots:

  ioredis@6.0.0:
    dependencies:
      debug: 4.4.3
`;

describe("pnpm-lock.yaml pins", () => {
	it("reads every package of the packages: section and nothing else", () => {
		const locked = lockedVersions(SAMPLE);
		expect(Object.fromEntries(locked)).toEqual({
			"@types/node": ["12.20.55", "20.19.43"],
			ioredis: ["6.0.0"],
			"@libsql/client": ["0.18.0"],
		});
	});

	it("overrides the packages resolved once, and picks the newest locked version in a range", () => {
		const locked = lockedVersions(SAMPLE);
		expect(lockOverrides(locked)).toEqual({ ioredis: "6.0.0", "@libsql/client": "0.18.0" });
		expect(lockedSpec(locked, "@types/node", "^20.19.0")).toBe("@types/node@20.19.43");
		expect(() => lockedSpec(locked, "pg", "^8.0.0")).toThrow(/resolves no version of pg/);
	});

	it("flags a version newer than the lockfile's, and a package it does not hold", () => {
		const locked = lockedVersions(SAMPLE);
		const installed = [
			{ name: "ioredis", version: "6.1.0", path: "node_modules/ioredis" },
			{ name: "@types/node", version: "20.19.43", path: "node_modules/@types/node" },
			{ name: "left-pad", version: "1.3.0", path: "node_modules/left-pad" },
			{ name: "@x/session-core", version: "0.1.0", path: "node_modules/@x/session-core" },
		];
		const flagged = unlockedPackages(installed, locked, (n) => n.startsWith("@x/session-"));
		expect(flagged.map((p) => `${p.name}@${p.version} [${p.locked}]`)).toEqual([
			"ioredis@6.1.0 [6.0.0]",
			"left-pad@1.3.0 []",
		]);
	});

	it("holds every database driver of the real lockfile to one version", () => {
		const overrides = lockOverrides(lockedVersions());
		for (const driver of ["ioredis", "pg", "better-sqlite3", "@libsql/client"]) {
			expect(overrides[driver], driver).toMatch(/^\d+\.\d+\.\d+$/);
		}
	});
});
