import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const TSX = join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs");

it("better-sqlite3 is loaded only by the file functions, which fail with a typed error without it", () => {
	const child = fileURLToPath(new URL("./child/without-sqlite.ts", import.meta.url));
	const r = spawnSync(process.execPath, ["--conditions=@x/source", "--import", TSX, child], {
		encoding: "utf8",
		timeout: 60_000,
	});
	expect(r.status, r.stderr).toBe(0);
	const out = JSON.parse(r.stdout) as Record<string, string>;
	expect(out.format).toBe("telethon");
	expect(out.code).toBe("INVALID_ARGUMENT");
	expect(out.backend).toBe("convert");
	expect(out.message).toContain("better-sqlite3");
});
