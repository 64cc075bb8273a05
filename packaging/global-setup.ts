// Packs every package once (`pnpm pack` rewrites workspace: ranges, as publishing does) into a
// temporary folder outside the workspace; the tests read the tarballs from there.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { TestProject } from "vitest/node";
import { type PackedPackage, run, workspacePackages } from "./lib.js";

declare module "vitest" {
	export interface ProvidedContext {
		packDir: string;
		packed: PackedPackage[];
	}
}

/** The entries of a .tgz (ustar), read without a tar dependency. */
function tarEntries(tgz: string): { path: string; body: Buffer }[] {
	const data = gunzipSync(readFileSync(tgz));
	const entries: { path: string; body: Buffer }[] = [];
	let offset = 0;
	let longName: string | undefined;
	while (offset + 512 <= data.length) {
		const header = data.subarray(offset, offset + 512);
		if (header.every((b) => b === 0)) break;
		const field = (start: number, length: number) =>
			header
				.subarray(start, start + length)
				.toString("utf8")
				.replace(/\0.*$/s, "");
		const size = Number.parseInt(field(124, 12).trim() || "0", 8);
		const type = field(156, 1);
		const prefix = field(345, 155);
		const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
		longName = undefined;
		const body = data.subarray(offset + 512, offset + 512 + size);
		if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
		else if (type === "0" || type === "") entries.push({ path: name, body: Buffer.from(body) });
		offset += 512 + Math.ceil(size / 512) * 512;
	}
	return entries;
}

export default async function setup(project: TestProject): Promise<() => void> {
	const packDir = mkdtempSync(join(tmpdir(), "x-session-pack-"));
	const packed: PackedPackage[] = [];
	for (const pkg of workspacePackages()) {
		const { stdout } = await run("pnpm", ["pack", "--json", "--pack-destination", packDir], {
			cwd: pkg.path,
			timeout: 120_000,
		});
		const info = JSON.parse(stdout.slice(stdout.indexOf("{")));
		const tarball: string = info.filename;
		const entries = tarEntries(tarball);
		const manifestEntry = entries.find((e) => e.path === "package/package.json");
		if (!manifestEntry) throw new Error(`${tarball} has no package/package.json`);
		packed.push({
			dir: pkg.dir,
			name: pkg.name,
			version: pkg.version,
			tarball,
			packedSize: statSync(tarball).size,
			unpackedSize: entries.reduce((sum, e) => sum + e.body.length, 0),
			files: entries.map((e) => e.path.replace(/^package\//, "")).sort(),
			manifest: JSON.parse(manifestEntry.body.toString("utf8")),
		});
	}
	mkdirSync(join(packDir, "projects"), { recursive: true });
	writeFileSync(join(packDir, "packed.json"), JSON.stringify(packed, null, 2));
	project.provide("packDir", packDir);
	project.provide("packed", packed);
	return () => {
		if (!process.env.X_SESSION_KEEP_PACK) rmSync(packDir, { recursive: true, force: true });
	};
}
