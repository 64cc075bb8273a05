// The database, its -wal and -shm files and a migration backup are 0600 for an ordinary user too
// (root ignores mode bits): run as one, created when the tests run as root.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
	runAsUnprivileged,
	UNPRIVILEGED_USER,
	unprivilegedUserReady,
} from "../../core/test/unprivileged.js";

const ready = unprivilegedUserReady();
const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-perm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!ready)(
	`as the unprivileged user ${UNPRIVILEGED_USER} (needs root to create it)`,
	() => {
		it("the database, its -wal and -shm files and a migration backup are 0600, with umask 022", () => {
			const report = runAsUnprivileged(join(import.meta.dirname, "child", "perms.ts"), dir);
			expect(report.uid).not.toBe(0);
			expect(report.umask).toBe("22");
			expect(report.homeDc).toBe(2);
			const names = Object.keys(report.modes);
			for (const expected of ["bot.db", "bot.db-wal", "bot.db-shm", "ferogram.db"])
				expect(names, expected).toContain(expected);
			expect(names.some((n) => n.includes("ferogram-backup"))).toBe(true);
			for (const [name, mode] of Object.entries(report.modes)) expect(mode, name).toBe("600");
		}, 30_000);
	},
);
