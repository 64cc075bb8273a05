import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

const root = import.meta.dirname;

/** Workspace packages resolve to their TypeScript source (the "@x/source" export condition). */
function sourceAliases() {
	const aliases: { find: RegExp; replacement: string }[] = [];
	for (const dir of readdirSync(join(root, "packages"))) {
		const manifest = join(root, "packages", dir, "package.json");
		if (!existsSync(manifest)) continue;
		const pkg = JSON.parse(readFileSync(manifest, "utf8"));
		for (const [sub, target] of Object.entries<Record<string, string> | string>(
			pkg.exports ?? {},
		)) {
			if (typeof target !== "object" || !target["@x/source"]) continue;
			const spec = sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
			aliases.push({
				find: new RegExp(`^${spec.replace(/[/.]/g, "\\$&")}$`),
				replacement: resolve(root, "packages", dir, target["@x/source"]),
			});
		}
	}
	return aliases;
}

function projectDirs(group: string) {
	const base = join(root, group);
	if (!existsSync(base)) return [];
	return readdirSync(base).filter(
		(d) => existsSync(join(base, d, "package.json")) && existsSync(join(base, d, "test")),
	);
}

export default defineConfig({
	resolve: { alias: sourceAliases() },
	test: {
		projects: [
			...projectDirs("packages").map((dir) => ({
				extends: true as const,
				test: {
					name: dir,
					root: join(root, "packages", dir),
					include: ["test/**/*.test.ts"],
					// test/browser/ runs in Chromium only (vitest.browser.config.ts)
					exclude: [...configDefaults.exclude, "test/browser/**"],
				},
			})),
			...projectDirs("examples").map((dir) => ({
				extends: true as const,
				test: {
					name: `example-${dir}`,
					root: join(root, "examples", dir),
					include: ["test/**/*.test.ts"],
				},
			})),
		],
		testTimeout: 20_000,
		hookTimeout: 30_000,
	},
});
