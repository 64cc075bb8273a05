// Sizes users pay for: each package's tarball and unpacked size, and what core's codec adds to a
// browser bundle (esbuild, minified, tree-shaken, gzipped). Prints a table, writes
// bench/results/package-sizes.json, and fails when the codec bundle outgrows its budget.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { afterAll, describe, expect, inject, it } from "vitest";
import { kib, REPO_ROOT } from "../lib.js";

/**
 * Budget for the codec bundle below (min+gz bytes). It was 8.8 KiB when the budget was set; raise
 * it only on purpose, in the change that explains what the new bytes buy.
 */
const CODEC_BUDGET_BYTES = 12 * 1024;

const packed = inject("packed");
const packDir = inject("packDir");
const rows: Record<string, number | string>[] = [];
let codec: { minified: number; gzipped: number } | undefined;

/** What a browser app imports to read and write sessions and strings. */
const CODEC_ENTRY = `export {
	decodeSession, encodeSession, decodeSessionString, decodeNativeString, encodeNativeString,
	decodeCompactString, encodeCompactString, sessionToJson, sessionFromJson, emptySession, SecretBytes,
} from "@x/session-core";
`;

async function bundle(entry: string): Promise<Uint8Array> {
	const dir = mkdtempSync(join(tmpdir(), "x-session-bundle-"));
	try {
		writeFileSync(join(dir, "entry.js"), entry);
		const core = packed.find((p) => p.dir === "core");
		if (!core) throw new Error("core was not packed");
		const result = await build({
			entryPoints: [join(dir, "entry.js")],
			bundle: true,
			minify: true,
			format: "esm",
			platform: "browser",
			target: "es2022",
			write: false,
			logLevel: "silent",
			// the built dist, as a bundler sees the installed package
			alias: { "@x/session-core": join(REPO_ROOT, "packages/core/dist/index.js") },
		});
		const out = result.outputFiles[0];
		if (!out) throw new Error("esbuild wrote nothing");
		return out.contents;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

describe("sizes", () => {
	it("core's codec bundles for the browser (no Node built-ins) within its budget", async () => {
		const bytes = await bundle(CODEC_ENTRY);
		codec = { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
		expect(codec.gzipped).toBeGreaterThan(1024); // a real bundle, not an empty one
		expect(
			codec.gzipped,
			`codec bundle is ${codec.gzipped} B min+gz, budget ${CODEC_BUDGET_BYTES} B`,
		).toBeLessThanOrEqual(CODEC_BUDGET_BYTES);
	});

	it("core's whole main entry bundles for the browser too", async () => {
		const bytes = await bundle(`export * from "@x/session-core";\n`);
		expect(bytes.length).toBeGreaterThan(codec?.minified ?? 0);
	});

	it.each(packed.map((p) => [p.name, p] as const))("%s: packed and unpacked size", (_n, p) => {
		expect(p.packedSize).toBeGreaterThan(0);
		expect(p.unpackedSize).toBeGreaterThan(p.packedSize);
		let installed: { package: number; all: number } | undefined;
		try {
			installed = JSON.parse(
				readFileSync(join(packDir, "projects", p.dir, "installed-size.json"), "utf8"),
			);
		} catch {
			installed = undefined; // the install smoke test did not run in this invocation
		}
		rows.push({
			package: p.name,
			files: p.files.length,
			packed: p.packedSize,
			unpacked: p.unpackedSize,
			"smoke project node_modules": installed?.all ?? "-",
		});
	});

	afterAll(() => {
		const report = {
			date: new Date().toISOString(),
			node: process.version,
			codec: codec ? { ...codec, budget: CODEC_BUDGET_BYTES } : null,
			packages: rows,
		};
		mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
		writeFileSync(
			join(REPO_ROOT, "bench/results/package-sizes.json"),
			`${JSON.stringify(report, null, 2)}\n`,
		);
		const lines = [
			"",
			"package                     files     packed   unpacked   smoke node_modules",
		];
		for (const r of rows) {
			const all =
				typeof r["smoke project node_modules"] === "number"
					? kib(r["smoke project node_modules"])
					: "-";
			lines.push(
				`${String(r.package).padEnd(26)} ${String(r.files).padStart(6)} ${kib(Number(r.packed)).padStart(10)} ${kib(Number(r.unpacked)).padStart(10)}   ${all}`,
			);
		}
		if (codec) {
			lines.push(
				`core codec browser bundle: ${kib(codec.minified)} minified, ${kib(codec.gzipped)} min+gz (budget ${kib(CODEC_BUDGET_BYTES)})`,
			);
		}
		console.log(lines.join("\n"));
	});
});
