import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs: string[] = [];

/** A fresh directory under the OS temp dir, removed by {@link removeTempDirs}. */
export function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-file-"));
	dirs.push(dir);
	return dir;
}

export function removeTempDirs(): void {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
