// The TypeScript blocks of the READMEs, and a folder to type-check them in against the built
// packages: node_modules links each @x/session-* package to its folder (so its `exports` lead to
// dist/*.d.ts, as for an installed copy) and every third-party package the workspace installed.
import {
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	realpathSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "./lib.js";

/**
 * Put this line right above a ```ts block that is a fragment on purpose (it continues the block
 * before it, or shows a shape rather than a program), with the reason after the colon:
 * `<!-- fragment: continues the example above -->`. Everything else must compile on its own.
 */
export const FRAGMENT_MARKER = /^<!--\s*fragment:\s*(\S.*?)\s*-->$/;

export interface Snippet {
	/** The README, relative to the repository root. */
	readme: string;
	/** 1-based line of the block's first code line in the README. */
	line: number;
	code: string;
	/** Why the block is not checked (its fragment marker), when it has one. */
	fragment?: string;
}

/** The READMEs users read: the root one and each package's and example's. */
export function readmeFiles(): string[] {
	const out = ["README.md"];
	for (const group of ["packages", "examples"]) {
		for (const dir of readdirSync(join(REPO_ROOT, group)).sort()) {
			if (existsSync(join(REPO_ROOT, group, dir, "README.md")))
				out.push(`${group}/${dir}/README.md`);
		}
	}
	return out;
}

/** The ```ts and ```typescript blocks of one Markdown text. */
export function extractSnippets(readme: string, text: string): Snippet[] {
	const lines = text.split(/\r?\n/);
	const out: Snippet[] = [];
	for (let i = 0; i < lines.length; i++) {
		const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i] as string);
		if (!open) continue;
		const indent = (open[1] as string).length;
		const body: string[] = [];
		let j = i + 1;
		while (j < lines.length && !/^\s*```\s*$/.test(lines[j] as string)) {
			body.push((lines[j] as string).slice(indent));
			j++;
		}
		const marker = FRAGMENT_MARKER.exec((lines[i - 1] ?? "").trim());
		out.push({
			readme,
			line: i + 2,
			code: body.join("\n"),
			...(marker ? { fragment: marker[1] as string } : {}),
		});
		i = j;
	}
	return out;
}

/** Top-level package names in one node_modules folder (scoped ones as `@scope/name`). */
function installedNames(nodeModules: string): string[] {
	if (!existsSync(nodeModules)) return [];
	const names: string[] = [];
	for (const entry of readdirSync(nodeModules)) {
		if (entry.startsWith(".")) continue;
		if (entry.startsWith("@")) {
			for (const inner of readdirSync(join(nodeModules, entry))) names.push(`${entry}/${inner}`);
		} else names.push(entry);
	}
	return names;
}

/**
 * A temporary project whose node_modules holds our packages (linked to their folders, so they
 * resolve through `exports` to the built `.d.ts`) and the third-party packages of the workspace.
 */
export function snippetProject(): string {
	const project = mkdtempSync(join(tmpdir(), "x-session-readmes-"));
	const nodeModules = join(project, "node_modules");
	mkdirSync(nodeModules);
	const link = (name: string, target: string) => {
		const at = join(nodeModules, name);
		if (existsSync(at) || lstatSync(at, { throwIfNoEntry: false })) return;
		mkdirSync(dirname(at), { recursive: true });
		symlinkSync(target, at, "dir");
	};
	const owners = ["packages", "examples"].flatMap((group) =>
		readdirSync(join(REPO_ROOT, group)).map((d) => join(REPO_ROOT, group, d)),
	);
	for (const dir of owners) {
		const manifest = join(dir, "package.json");
		if (!existsSync(manifest)) continue;
		const name = JSON.parse(readFileSync(manifest, "utf8")).name as string;
		if (name.startsWith("@x/session-")) link(name, dir);
	}
	for (const dir of [REPO_ROOT, ...owners]) {
		const base = join(dir, "node_modules");
		for (const name of installedNames(base)) {
			if (name.startsWith("@x/")) continue;
			link(name, realpathSync(join(base, name)));
		}
	}
	writeFileSync(join(project, "package.json"), '{ "private": true, "type": "module" }\n');
	return project;
}

/** The module and resolution settings of each checked setup. */
export const RESOLUTIONS = {
	nodenext: { module: "nodenext", moduleResolution: "nodenext" },
	bundler: { module: "esnext", moduleResolution: "bundler" },
} as const;

/** Writes a tsconfig for `mode` over `files` and returns its name. */
export function writeTsconfig(
	project: string,
	mode: keyof typeof RESOLUTIONS,
	files: string[],
): string {
	const name = `tsconfig.${mode}.json`;
	writeFileSync(
		join(project, name),
		JSON.stringify({
			compilerOptions: {
				...RESOLUTIONS[mode],
				target: "es2022",
				lib: ["es2022"],
				types: ["node"],
				strict: true,
				noEmit: true,
				skipLibCheck: true,
				noUnusedLocals: false,
			},
			files,
		}),
	);
	return name;
}
