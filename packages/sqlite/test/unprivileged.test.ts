// Root ignores mode bits, so the permission guarantees are checked again as an ordinary user:
// created with `useradd` when the tests run as root (as in CI); skipped, and saying why, otherwise.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const USER = "xs-unprivileged";
const isRoot = process.getuid?.() === 0;

function ensureUser(): boolean {
	if (!isRoot) return false;
	if (spawnSync("id", ["-u", USER]).status === 0) return true;
	const made = spawnSync("useradd", [
		"--system",
		"--no-create-home",
		"--shell",
		"/usr/sbin/nologin",
		USER,
	]);
	// another test file may have created it at the same moment
	return made.status === 0 || spawnSync("id", ["-u", USER]).status === 0;
}
const ready = ensureUser();
const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-perm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!ready)(`as the unprivileged user ${USER} (needs root to create it)`, () => {
	it("the database, its -wal and -shm files and a migration backup are 0600, with umask 022", () => {
		execFileSync("chown", [USER, dir]);
		chmodSync(dir, 0o755);
		const tsx = createRequire(import.meta.url).resolve("tsx");
		const uid = execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim();
		const gid = execFileSync("id", ["-g", USER], { encoding: "utf8" }).trim();
		const out = execFileSync(
			process.execPath,
			[
				"--conditions=@x/source",
				"--import",
				tsx,
				join(import.meta.dirname, "child", "perms.ts"),
				dir,
				uid,
				gid,
			],
			{ encoding: "utf8" },
		);
		const report = JSON.parse(out.trim().split("\n").at(-1) as string);
		expect(report.uid).not.toBe(0);
		expect(report.umask).toBe("22");
		expect(report.homeDc).toBe(2);
		const names = Object.keys(report.modes);
		for (const expected of ["bot.db", "bot.db-wal", "bot.db-shm", "ferogram.db"])
			expect(names, expected).toContain(expected);
		expect(names.some((n) => n.includes("ferogram-backup"))).toBe(true);
		for (const [name, mode] of Object.entries(report.modes)) expect(mode, name).toBe("600");
	}, 30_000);
});
