// The install smoke test: for each package, a fresh project in a temporary folder outside the
// workspace installs core and that package from the packed tarballs with plain npm, then runs,
// type-checks and require()s it. Drivers and every other third-party package come from the
// registry at the versions pnpm-lock.yaml resolved (npm overrides); `pnpm test:latest` installs the
// newest each range allows instead and reports what differs from the lockfile.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
	npmInstall,
	type PackedPackage,
	REPO_ROOT,
	reachable,
	run,
	SERVICE_PORTS,
	treeSize,
} from "../lib.js";
import {
	installedPackages,
	LATEST,
	lockedSpec,
	lockedVersions,
	lockOverrides,
	unlockedPackages,
} from "../lockfile.js";
import { RECIPES, saveLoadScript } from "./recipes.js";

const packDir = inject("packDir");
const packed = inject("packed");
const TSC = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
const locked = lockedVersions();
const isOurs = (name: string) => name.startsWith("@x/session-");

/** What a project holds that the lockfile does not, as `name locked → installed` lines. */
function drift(project: string): string[] {
	return unlockedPackages(installedPackages(project), locked, isOurs).map(
		(p) => `${p.name} ${p.locked.join("/") || "(not in the lockfile)"} → ${p.version} (${p.path})`,
	);
}

/** Under `pnpm test:latest`, a failure names the packages newer than the lockfile first. */
async function explained<T>(project: string, work: Promise<T>): Promise<T> {
	if (!LATEST) return work;
	try {
		return await work;
	} catch (error) {
		const lines = drift(project);
		const note = lines.length
			? `installed newer than pnpm-lock.yaml:\n  ${lines.join("\n  ")}`
			: "every package is at the lockfile's version";
		throw new Error(`${note}\n${(error as Error).message}`);
	}
}

/** The package and every @x/session-* package it needs (dependencies and required peers). */
function closure(pkg: PackedPackage): PackedPackage[] {
	const out = new Map<string, PackedPackage>();
	const visit = (p: PackedPackage) => {
		if (out.has(p.name)) return;
		out.set(p.name, p);
		const m = p.manifest as Record<string, Record<string, unknown> | undefined>;
		const optional = m.peerDependenciesMeta ?? {};
		const needed = [
			...Object.keys(m.dependencies ?? {}),
			...Object.keys(m.peerDependencies ?? {}).filter(
				(d) => !(optional[d] as { optional?: boolean } | undefined)?.optional,
			),
		];
		for (const dep of needed) {
			const inner = packed.find((q) => q.name === dep);
			if (inner) visit(inner);
		}
	};
	const core = packed.find((p) => p.dir === "core");
	if (core) visit(core);
	visit(pkg);
	return [...out.values()];
}

/** Type packages a TypeScript user adds: @types/node and the optional @types peers. */
function typePackages(pkgs: PackedPackage[]): string[] {
	const wanted = new Map([["@types/node", "^20.19.0"]]);
	for (const p of pkgs) {
		const peers = (p.manifest.peerDependencies ?? {}) as Record<string, string>;
		for (const [dep, range] of Object.entries(peers)) {
			if (dep.startsWith("@types/")) wanted.set(dep, range);
		}
	}
	return [...wanted].map(([dep, range]) =>
		LATEST ? `${dep}@${range}` : lockedSpec(locked, dep, range),
	);
}

function entryPoints(pkg: PackedPackage): string[] {
	const exports = (pkg.manifest.exports ?? {}) as Record<string, unknown>;
	return Object.keys(exports)
		.filter((sub) => sub !== "./package.json")
		.map((sub) => (sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`));
}

const TSCONFIG = {
	node16: { module: "node16", moduleResolution: "node16" },
	bundler: { module: "esnext", moduleResolution: "bundler" },
} as const;

// command-line tools last: they install most, and start from a project that already built the
// native drivers they share (better-sqlite3 compiles from source when no prebuilt binary is reachable)
const targets = packed
	.filter((p) => p.dir !== "core")
	.sort((a, b) => Number(a.manifest.bin !== undefined) - Number(b.manifest.bin !== undefined));
const NATIVE = ["better-sqlite3"];
const builtNative = new Map<string, string>();
const core = packed.find((p) => p.dir === "core");

describe.each(targets.map((p) => [p.name, p] as const))("%s from its tarball", (_name, pkg) => {
	const project = join(packDir, "projects", pkg.dir);
	const recipe = RECIPES[pkg.dir];
	const pkgs = closure(pkg);
	let serviceUp = true;

	beforeAll(async () => {
		if (recipe?.service) {
			serviceUp = await reachable(SERVICE_PORTS[recipe.service]);
			if (!serviceUp && process.env.REQUIRE_SERVICES) {
				throw new Error(
					`${recipe.service} is required (REQUIRE_SERVICES is set) but does not answer`,
				);
			}
		}
	});

	it("installs core and the package from the tarballs with plain npm", async () => {
		mkdirSync(project, { recursive: true });
		const needs = (dep: string) =>
			pkgs.some((p) => {
				const m = p.manifest as Record<string, Record<string, unknown> | undefined>;
				return dep in (m.dependencies ?? {});
			});
		const seed = NATIVE.filter(needs)
			.map((dep) => builtNative.get(dep))
			.find((dir) => dir !== undefined);
		// npm keeps a package already in node_modules when its version fits, so the native build
		// is reused; everything else is still resolved and installed by npm
		if (seed)
			cpSync(join(seed, "node_modules"), join(project, "node_modules"), {
				recursive: true,
				verbatimSymlinks: true,
			});
		writeFileSync(
			join(project, "package.json"),
			JSON.stringify(
				{
					name: `smoke-${pkg.dir}`,
					private: true,
					type: "module",
					...(LATEST ? {} : { overrides: lockOverrides(locked) }),
				},
				null,
				2,
			),
		);
		await npmInstall(project, [...pkgs.map((p) => p.tarball), ...typePackages(pkgs)]);
		const installed = JSON.parse(
			readFileSync(join(project, "node_modules", pkg.name, "package.json"), "utf8"),
		);
		expect(installed.version).toBe(pkg.version);
		// required peers (drivers) came from the registry, in the declared range
		const peers = (pkg.manifest.peerDependencies ?? {}) as Record<string, string>;
		const optional = (pkg.manifest.peerDependenciesMeta ?? {}) as Record<
			string,
			{ optional?: boolean }
		>;
		for (const [dep, range] of Object.entries(peers)) {
			if (optional[dep]?.optional && !dep.startsWith("@types/")) continue;
			const version = JSON.parse(
				readFileSync(join(project, "node_modules", dep, "package.json"), "utf8"),
			).version;
			expect(semver.satisfies(version, range), `${dep}@${version} in ${range}`).toBe(true);
		}
		for (const dep of NATIVE) {
			if (existsSync(join(project, "node_modules", dep, "build"))) builtNative.set(dep, project);
		}
		writeFileSync(
			join(project, "installed-size.json"),
			JSON.stringify({
				package: treeSize(join(project, "node_modules", pkg.name)),
				all: treeSize(join(project, "node_modules")),
			}),
		);
	});

	it("installs no third-party version that pnpm-lock.yaml did not resolve", () => {
		const found = drift(project);
		if (LATEST) {
			if (found.length)
				console.log(`${pkg.name}: newer than pnpm-lock.yaml:\n  ${found.join("\n  ")}`);
			return;
		}
		expect(installedPackages(project).length).toBeGreaterThan(pkgs.length);
		expect(found).toEqual([]);
	});

	if (recipe) {
		it("runs an ESM script that saves, reopens and loads a session", async (ctx) => {
			if (!serviceUp) ctx.skip();
			writeFileSync(
				join(project, "smoke.mjs"),
				saveLoadScript(recipe).replace("type SessionBackend", "").replace(": SessionBackend", ""),
			);
			const { stdout } = await explained(
				project,
				run(process.execPath, ["smoke.mjs"], { cwd: project, timeout: 120_000 }),
			);
			expect(stdout).toContain(`x-session smoke ok: ${pkg.dir}`);
		});
	}

	it("imports every entry point from ESM", async () => {
		const specs = [...entryPoints(pkg), ...(core ? entryPoints(core) : [])];
		const script = specs
			.map(
				(s, i) =>
					`const m${i} = await import(${JSON.stringify(s)});\nif (Object.keys(m${i}).length === 0) throw new Error("no exports in ${s}");`,
			)
			.join("\n");
		writeFileSync(join(project, "imports.mjs"), `${script}\nconsole.log("imports ok");\n`);
		const { stdout } = await run(process.execPath, ["imports.mjs"], {
			cwd: project,
			timeout: 120_000,
		});
		expect(stdout).toContain("imports ok");
	});

	it.each(Object.keys(TSCONFIG) as (keyof typeof TSCONFIG)[])(
		"type-checks a file using the public API with moduleResolution %s",
		async (mode) => {
			const lines = recipe
				? [saveLoadScript(recipe)]
				: entryPoints(pkg).map(
						(s, i) =>
							`import * as m${i} from ${JSON.stringify(s)};\nexport const names${i}: string[] = Object.keys(m${i});`,
					);
			writeFileSync(join(project, "smoke.ts"), `${lines.join("\n")}\nexport {};\n`);
			writeFileSync(
				join(project, `tsconfig.${mode}.json`),
				JSON.stringify({
					compilerOptions: {
						...TSCONFIG[mode],
						target: "es2022",
						lib: ["es2022"],
						types: ["node"],
						strict: true,
						noEmit: true,
						// our .d.ts files are checked too, with the drivers' types they import
						skipLibCheck: false,
					},
					files: ["smoke.ts"],
				}),
			);
			await explained(
				project,
				run(process.execPath, [TSC, "-p", `tsconfig.${mode}.json`], {
					cwd: project,
					timeout: 300_000,
				}),
			);
		},
	);

	it("loads core and the package with require() from CommonJS (Node 20.19+)", async () => {
		expect(semver.gte(process.versions.node, "20.19.0")).toBe(true);
		const script = `const assert = require("node:assert/strict");
const core = require("@x/session-core");
const pkg = require(${JSON.stringify(pkg.name)});
const session = core.emptySession();
session.homeDcId = 4;
assert.equal(core.decodeSession(core.encodeSession(session)).homeDcId, 4);
assert.ok(Object.keys(pkg).length > 0);
console.log("cjs ok");
`;
		writeFileSync(join(project, "require.cjs"), script);
		const { stdout } = await run(process.execPath, ["require.cjs"], {
			cwd: project,
			timeout: 120_000,
		});
		expect(stdout).toContain("cjs ok");
	});

	const bin = pkg.manifest.bin as Record<string, string> | undefined;
	if (bin) {
		it.each(Object.keys(bin))("runs its command %s --help", async (command) => {
			const { stdout } = await run(join(project, "node_modules/.bin", command), ["--help"], {
				cwd: project,
				timeout: 60_000,
			});
			expect(stdout.length).toBeGreaterThan(20);
		});
	}
});
