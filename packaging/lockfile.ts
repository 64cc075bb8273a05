// What the packaging projects install from the registry: the versions pnpm-lock.yaml resolved, so
// a release upstream cannot turn CI red. `pnpm test:latest` lifts the pins on purpose (drift mode).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { REPO_ROOT } from "./lib.js";

/** True under `pnpm test:latest`: install the newest version each range allows, and report drift. */
export const LATEST: boolean = process.env.X_SESSION_PACKAGING === "latest";

/**
 * Every third-party package of the lockfile with the versions it resolved. Read from the keys of
 * the `packages:` section (`  name@version:`, quoted when scoped), so no YAML parser is needed.
 */
export function lockedVersions(text = readFileSync(join(REPO_ROOT, "pnpm-lock.yaml"), "utf8")) {
	const start = text.indexOf("\npackages:\n");
	const end = text.indexOf("\nsnapshots:\n", start);
	if (start === -1 || end === -1) throw new Error("pnpm-lock.yaml has no packages: section");
	const versions = new Map<string, string[]>();
	for (const line of text.slice(start, end).split("\n")) {
		const m = /^ {2}'?((?:@[^/@\s']+\/)?[^@\s']+)@([^'():\s]+)'?:$/.exec(line);
		if (!m) continue;
		const [, name, version] = m as unknown as [string, string, string];
		const list = versions.get(name) ?? [];
		list.push(version);
		versions.set(name, list);
	}
	if (versions.size === 0) throw new Error("pnpm-lock.yaml lists no packages");
	return versions;
}

/**
 * npm `overrides` that hold every package the lockfile resolved once to that version, at any depth
 * and on peer edges too (npm would otherwise take the newest version in range). A package the
 * lockfile holds at several versions is left to npm; the install test still checks its version.
 */
export function lockOverrides(locked: Map<string, string[]>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, versions] of locked) {
		if (versions.length === 1) out[name] = versions[0] as string;
	}
	return out;
}

/** `name@range` as an exact `name@version` the lockfile resolved (the newest that fits). */
export function lockedSpec(locked: Map<string, string[]>, name: string, range: string): string {
	const version = semver.maxSatisfying(locked.get(name) ?? [], range);
	if (!version) {
		throw new Error(
			`pnpm-lock.yaml resolves no version of ${name} in ${range}: add it to a workspace package's devDependencies and run pnpm install`,
		);
	}
	return `${name}@${version}`;
}

export interface InstalledPackage {
	name: string;
	version: string;
	/** Where it sits, relative to the project (nested copies included). */
	path: string;
}

/** Packages installed at versions the lockfile does not hold. */
export function unlockedPackages(
	installed: InstalledPackage[],
	locked: Map<string, string[]>,
	ignore: (name: string) => boolean,
): (InstalledPackage & { locked: string[] })[] {
	return installed
		.filter((p) => !ignore(p.name) && !(locked.get(p.name) ?? []).includes(p.version))
		.map((p) => ({ ...p, locked: locked.get(p.name) ?? [] }));
}

/** Every package under a project's node_modules, nested copies included (symlinks not followed). */
export function installedPackages(project: string): InstalledPackage[] {
	const out: InstalledPackage[] = [];
	const visit = (modules: string, rel: string) => {
		if (!existsSync(modules)) return;
		for (const entry of readdirSync(modules, { withFileTypes: true })) {
			if (entry.name.startsWith(".") || !entry.isDirectory()) continue;
			const dirs = entry.name.startsWith("@")
				? readdirSync(join(modules, entry.name), { withFileTypes: true })
						.filter((d) => d.isDirectory())
						.map((d) => `${entry.name}/${d.name}`)
				: [entry.name];
			for (const dir of dirs) {
				const manifest = join(modules, dir, "package.json");
				if (!existsSync(manifest)) continue;
				const { name, version } = JSON.parse(readFileSync(manifest, "utf8"));
				const path = `${rel}/${dir}`;
				out.push({ name, version, path });
				visit(join(modules, dir, "node_modules"), `${path}/node_modules`);
			}
		}
	};
	visit(join(project, "node_modules"), "node_modules");
	return out;
}
