// Root ignores mode bits, so the permission guarantees of the backends that write files are
// checked again as an ordinary user: created with `useradd` when the tests run as root (as in
// CI); the tests are skipped, and say why, otherwise. One helper for every such package.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { createRequire } from "node:module";

export const UNPRIVILEGED_USER = "xs-unprivileged";

/** Whether the unprivileged user exists (created here when running as root). */
export function unprivilegedUserReady(): boolean {
	if (process.getuid?.() !== 0) return false;
	if (spawnSync("id", ["-u", UNPRIVILEGED_USER]).status === 0) return true;
	const made = spawnSync("useradd", [
		"--system",
		"--no-create-home",
		"--shell",
		"/usr/sbin/nologin",
		UNPRIVILEGED_USER,
	]);
	// another test file may have created it at the same moment
	return made.status === 0 || spawnSync("id", ["-u", UNPRIVILEGED_USER]).status === 0;
}

/** What the packages' `test/child/perms.ts` print (each prints the fields it checks). */
export interface UnprivilegedReport {
	uid: number;
	umask: string;
	/** Octal mode of each file or directory (`name/`) it made, by name. */
	modes: Record<string, string>;
	/** Modes of temporary files seen while writing (file backend). */
	tempModes: string[];
	/** The home DC read back (SQLite backend). */
	homeDc: number;
}

/**
 * Gives `dir` to the unprivileged user, runs `script <dir> <uid> <gid>` (which drops to that user
 * itself) and returns the JSON object it prints on its last line.
 */
export function runAsUnprivileged(script: string, dir: string): UnprivilegedReport {
	execFileSync("chown", [UNPRIVILEGED_USER, dir]);
	chmodSync(dir, 0o755);
	const tsx = createRequire(import.meta.url).resolve("tsx");
	const uid = execFileSync("id", ["-u", UNPRIVILEGED_USER], { encoding: "utf8" }).trim();
	const gid = execFileSync("id", ["-g", UNPRIVILEGED_USER], { encoding: "utf8" }).trim();
	const out = execFileSync(
		process.execPath,
		["--conditions=@x/source", "--import", tsx, script, dir, uid, gid],
		{ encoding: "utf8" },
	);
	return JSON.parse(out.trim().split("\n").at(-1) as string);
}
