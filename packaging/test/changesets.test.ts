// Releases: every changeset parses and names real packages; `changeset version`, run on a copy of
// the workspace, gives the whole fixed group one new version; `changeset status` against main
// passes (on a branch it fails when a changed package has no changeset; on main itself there is
// nothing to compare, so the first two checks are the ones that bite there).
import {
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, run, workspacePackages } from "../lib.js";

const CHANGESET_DIR = join(REPO_ROOT, ".changeset");
const CLI = join(REPO_ROOT, "node_modules/@changesets/cli/bin.js");
const config = JSON.parse(readFileSync(join(CHANGESET_DIR, "config.json"), "utf8"));
const packages = workspacePackages();
const changesets = readdirSync(CHANGESET_DIR).filter((f) => f.endsWith(".md") && f !== "README.md");

/** The packages a fixed-group pattern such as "@x/session-*" matches. */
function matches(pattern: string, name: string): boolean {
	const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*")}$`);
	return re.test(name);
}

function parseChangeset(text: string): { releases: Record<string, string>; summary: string } {
	const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text.replace(/\r\n/g, "\n"));
	if (!m) throw new Error("no front matter between --- lines");
	const releases: Record<string, string> = {};
	for (const line of (m[1] as string).split("\n")) {
		if (line.trim() === "") continue;
		const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
		if (!entry) throw new Error(`not a "package": bump line: ${line}`);
		releases[entry[1] as string] = entry[2] as string;
	}
	return { releases, summary: (m[2] as string).trim() };
}

describe("changesets", () => {
	it("the fixed group covers every package", () => {
		const groups = config.fixed as string[][];
		for (const pkg of packages) {
			expect(
				groups.some((g) => g.some((p) => matches(p, pkg.name))),
				pkg.name,
			).toBe(true);
		}
		const versions = new Set(packages.map((p) => p.version));
		expect([...versions]).toHaveLength(1);
	});

	it.each(changesets)("%s parses and names workspace packages", (file) => {
		const { releases, summary } = parseChangeset(readFileSync(join(CHANGESET_DIR, file), "utf8"));
		expect(Object.keys(releases).length).toBeGreaterThan(0);
		expect(summary.length).toBeGreaterThan(10);
		for (const name of Object.keys(releases)) {
			expect(
				packages.some((p) => p.name === name),
				`${file}: ${name} is not a package here`,
			).toBe(true);
		}
	});

	describe("`changeset version` on a copy of the workspace", () => {
		const copy = mkdtempSync(join(tmpdir(), "x-session-version-"));
		afterAll(() => rmSync(copy, { recursive: true, force: true }));

		it("gives every package of the fixed group one new version and a changelog", async () => {
			for (const f of ["package.json", "pnpm-workspace.yaml"])
				cpSync(join(REPO_ROOT, f), join(copy, f));
			cpSync(CHANGESET_DIR, join(copy, ".changeset"), { recursive: true });
			for (const group of ["packages", "examples"]) {
				if (!existsSync(join(REPO_ROOT, group))) continue;
				for (const dir of readdirSync(join(REPO_ROOT, group))) {
					const src = join(REPO_ROOT, group, dir);
					if (!existsSync(join(src, "package.json"))) continue;
					mkdirSync(join(copy, group, dir), { recursive: true });
					for (const f of ["package.json", "CHANGELOG.md"]) {
						if (existsSync(join(src, f))) cpSync(join(src, f), join(copy, group, dir, f));
					}
				}
			}
			symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"));
			const git = (...args: string[]) => run("git", args, { cwd: copy, timeout: 60_000 });
			await git("init", "-q", "-b", "main");
			await git("add", "-A");
			await git("-c", "user.name=ci", "-c", "user.email=ci@localhost", "commit", "-qm", "copy");
			await run(process.execPath, [CLI, "version"], { cwd: copy, timeout: 120_000 });

			const before = packages[0]?.version as string;
			const after = new Set<string>();
			for (const pkg of packages) {
				const dir = join(copy, "packages", pkg.dir);
				const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
				after.add(manifest.version);
				// internal ranges stay workspace ranges; pnpm pack turns them into versions
				for (const deps of [manifest.dependencies, manifest.peerDependencies]) {
					for (const [dep, range] of Object.entries<string>(deps ?? {})) {
						if (dep.startsWith("@x/session-"))
							expect(range, `${pkg.name} -> ${dep}`).toMatch(/^workspace:/);
					}
				}
				if (changesets.length > 0) {
					expect(readFileSync(join(dir, "CHANGELOG.md"), "utf8")).toContain(
						`## ${manifest.version}`,
					);
				}
			}
			expect([...after]).toHaveLength(1);
			if (changesets.length > 0) expect(semver.gt([...after][0] as string, before)).toBe(true);
			expect(
				readdirSync(join(copy, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md"),
			).toEqual([]);
		});
	});

	it("`changeset status` against main passes", async (ctx) => {
		const hasMain = await run("git", ["rev-parse", "--verify", "-q", "main"], {
			cwd: REPO_ROOT,
		}).then(
			() => true,
			() => false,
		);
		// a clone without a local main (detached CI checkouts) has nothing to compare with
		if (!hasMain) ctx.skip();
		const { stdout } = await run(process.execPath, [CLI, "status", "--since=main"], {
			cwd: REPO_ROOT,
			timeout: 120_000,
		});
		expect(stdout).not.toMatch(/Some packages have been changed but no changesets were found/);
	});
});
