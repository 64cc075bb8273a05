// Root ignores mode bits, so the permission guarantees are checked again as an ordinary user
// (see core's test/unprivileged.ts); skipped, and saying why, without root.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
	runAsUnprivileged,
	UNPRIVILEGED_USER as USER,
	unprivilegedUserReady,
} from "../../core/test/unprivileged.js";

const ready = unprivilegedUserReady();
const dir = mkdtempSync(join(tmpdir(), "xs-perm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!ready)(`as the unprivileged user ${USER} (needs root to create it)`, () => {
	it("session files, temp files and moved-aside files are 0600 and a created directory 0700, with umask 022", () => {
		const report = runAsUnprivileged(join(import.meta.dirname, "child", "perms.ts"), dir);
		expect(report.uid).not.toBe(0);
		expect(report.umask).toBe("22");
		expect(report.modes["sessions/"]).toBe("700");
		const files = Object.entries(report.modes).filter(([name]) => name !== "sessions/");
		expect(files.map(([name]) => name).some((n) => n.startsWith("bad.session.corrupt-"))).toBe(
			true,
		);
		for (const [name, mode] of files) expect(mode, name).toBe("600");
		expect(report.tempModes.length).toBeGreaterThan(0);
		for (const m of report.tempModes) expect(m).toBe("600");
	}, 30_000);
});
