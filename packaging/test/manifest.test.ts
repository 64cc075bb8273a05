// What `pnpm pack` would publish, package by package: the manifest fields users and tools read,
// the files in the tarball, publint and arethetypeswrong on the tarball itself.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import semver from "semver";
import { describe, expect, inject, it } from "vitest";
import { REPO_ROOT, run, workspacePackages } from "../lib.js";

/** Client libraries and database drivers: users pick their version, so packages take them as peers. */
const DRIVERS = [
	/^better-sqlite3$/,
	/^@libsql\/client$/,
	/^ioredis$/,
	/^pg$/,
	/^telegram$/,
	/^teleproto$/,
	/^@mtcute\//,
];
const isDriver = (name: string) => DRIVERS.some((re) => re.test(name));

/** Bare specifiers a published file imports (node: built-ins and relative paths left out). */
function bareImports(source: string): string[] {
	const found = new Set<string>();
	// tsc's output puts each import/export statement at the start of a line
	const re =
		/^(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"'.][^"']*)["'];?$|^import\s*["']([^"'.][^"']*)["'];?$|\bimport\(\s*["']([^"'.][^"']*)["']\s*\)/gm;
	for (const m of source.matchAll(re)) {
		const spec = m[1] ?? m[2] ?? m[3];
		if (!spec || spec.startsWith("node:")) continue;
		const parts = spec.split("/");
		found.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string));
	}
	return [...found];
}

const packages = workspacePackages();

describe.each(packages.map((p) => [p.name, p] as const))("%s", (name, pkg) => {
	const packedAll = inject("packed");
	const packed = () => {
		const found = packedAll.find((p) => p.name === name);
		if (!found) throw new Error(`${name} was not packed`);
		return found;
	};

	it("packs with every workspace: range rewritten to a real version", () => {
		const text = JSON.stringify(packed().manifest);
		expect(text).not.toMatch(/workspace:/);
		const m = packed().manifest as Record<string, Record<string, string>>;
		for (const field of ["dependencies", "peerDependencies"] as const) {
			for (const [dep, range] of Object.entries(m[field] ?? {})) {
				expect(semver.validRange(range), `${field}.${dep} = ${range}`).not.toBeNull();
			}
		}
	});

	it("has the manifest fields users and registries read", () => {
		const m = packed().manifest as Record<string, unknown>;
		expect(m.name).toBe(`@x/session-${pkg.dir}`);
		expect(m.type).toBe("module");
		expect(m.sideEffects).toBe(false);
		expect(m.license).toBe("MIT");
		expect((m.engines as Record<string, string>)?.node).toBe(">=20.19");
		expect(typeof m.description === "string" && m.description.length > 10).toBe(true);
		expect((m.keywords as string[]).length).toBeGreaterThan(2);
		expect(m.repository).toMatchObject({ type: "git", directory: `packages/${pkg.dir}` });
		expect(m.homepage).toMatch(/^https:\/\//);
	});

	it("exports ESM only, with types first and every target in the tarball", () => {
		const m = packed().manifest as { exports: Record<string, unknown> };
		const files = new Set(packed().files);
		expect(Object.keys(m.exports)).toContain(".");
		for (const [sub, target] of Object.entries(m.exports)) {
			if (sub === "./package.json") continue;
			expect(typeof target, sub).toBe("object");
			const conditions = Object.keys(target as object).filter((k) => k !== "@x/source");
			expect(conditions, `${sub}: types before default, nothing else`).toEqual([
				"types",
				"default",
			]);
			for (const path of Object.values(target as Record<string, string>)) {
				expect(files.has(path.replace(/^\.\//, "")), `${sub} -> ${path} is packed`).toBe(true);
			}
		}
	});

	it("ships dist, src (for source maps), README, LICENSE and its commands, nothing else", () => {
		const files = packed().files;
		// a command's launcher lives outside dist/ so that a workspace checkout links it before the build
		const commands = Object.values((pkg.manifest.bin ?? {}) as Record<string, string>).map((f) =>
			f.replace(/^\.\//, ""),
		);
		const stray = files.filter(
			(f) =>
				!/^(dist|src)\//.test(f) &&
				!["package.json", "README.md", "LICENSE", ...commands].includes(f),
		);
		expect(stray).toEqual([]);
		expect(files).toContain("README.md");
		expect(files).toContain("LICENSE");
		expect(files.filter((f) => /\.test\.|tsbuildinfo|(^|\/)test\//.test(f))).toEqual([]);
		// every compiled module has its declaration next to it
		for (const js of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
			expect(files, js).toContain(js.replace(/\.js$/, ".d.ts"));
		}
	});

	it("has a README with an install command and an example that imports the package", () => {
		const readme = readFileSync(join(pkg.path, "README.md"), "utf8");
		const escaped = name.replace("/", "\\/");
		expect(readme).toMatch(new RegExp(`(npm (i|install)|pnpm add)[^\\n]*${escaped}`));
		const bin = pkg.manifest.bin as Record<string, string> | undefined;
		if (bin) {
			// a command-line tool: the example is a shell session running its command
			const command = Object.keys(bin)[0] as string;
			expect(readme).toMatch(new RegExp(`\`\`\`(sh|bash)[\\s\\S]*^${command} `, "m"));
		} else {
			expect(readme).toMatch(new RegExp(`\`\`\`ts[\\s\\S]*from "${escaped}`));
		}
	});

	it("declares every package its published files import; drivers are peers", () => {
		const m = packed().manifest as Record<string, Record<string, string> | undefined>;
		const deps = { ...m.dependencies };
		const peers = { ...m.peerDependencies };
		const isApp = m.bin !== undefined;
		for (const file of packed().files.filter((f) => /^dist\/.*\.(js|d\.ts)$/.test(f))) {
			const source = readFileSync(join(pkg.path, file), "utf8");
			for (const spec of bareImports(source)) {
				if (spec === name) continue;
				const typesOnly = file.endsWith(".d.ts");
				const typesName = `@types/${spec.replace(/^@/, "").replace("/", "__")}`;
				const declared =
					spec in deps || spec in peers || (typesOnly && (typesName in deps || typesName in peers));
				expect(declared, `${file} imports ${spec}, not declared`).toBe(true);
				if (isDriver(spec) && !isApp) {
					expect(spec in deps, `${spec} must be a peer dependency, not a dependency`).toBe(false);
				}
			}
		}
	});

	it("takes peer ranges that the versions we test with satisfy", () => {
		const peers = (packed().manifest.peerDependencies ?? {}) as Record<string, string>;
		for (const [dep, range] of Object.entries(peers)) {
			let version: string;
			if (dep.startsWith("@x/session-")) {
				version = (packages.find((p) => p.name === dep) ?? { version: "missing" }).version;
			} else {
				// the copy this package's tests run against (pnpm links it into its node_modules)
				const manifest = [pkg.path, REPO_ROOT]
					.map((base) => join(base, "node_modules", dep, "package.json"))
					.find((file) => existsSync(file));
				expect(manifest, `${dep} is installed for the tests`).toBeDefined();
				version = JSON.parse(readFileSync(manifest as string, "utf8")).version;
			}
			expect(semver.satisfies(version, range), `${dep}@${version} in ${range}`).toBe(true);
		}
	});

	it("publint (strict) reports nothing for the tarball", async () => {
		const tarball = readFileSync(packed().tarball);
		const result = await publint({
			strict: true,
			level: "suggestion",
			pack: {
				tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length),
			},
		});
		const messages = result.messages.map(
			(msg) => `${msg.type}: ${formatMessage(msg, result.pkg) ?? msg.code}`,
		);
		expect(messages).toEqual([]);
	});

	it("arethetypeswrong (esm-only profile) reports nothing for the tarball", async () => {
		const cli = join(REPO_ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
		// exits non-zero and prints the resolution table when there is a problem
		const { stdout } = await run(
			process.execPath,
			[cli, packed().tarball, "--profile", "esm-only", "--format", "table-flipped", "--no-color"],
			{ cwd: REPO_ROOT, timeout: 120_000 },
		);
		// with this profile the CommonJS and node10 columns are reported but ignored: ESM only
		// (attw also exits non-zero on a problem, which makes run() reject)
		const problems = stdout
			.split("\n")
			.flatMap((line) => line.split("│"))
			.map((cell) => cell.trim())
			.filter((cell) => /💀|⚠️|❌|🐛|🥴|❗️|🎭|🚭/u.test(cell) && !cell.startsWith("(ignored"));
		expect(problems).toEqual([]);
		expect(stdout).toMatch(/node16 \(from ESM\)/);
	});
});
