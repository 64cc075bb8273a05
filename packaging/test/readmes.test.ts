// Every ```ts block of every README compiles, as a user would paste it, against the built packages
// with moduleResolution nodenext and bundler. A block that is a fragment on purpose carries a
// `<!-- fragment: why -->` line right above it (see FRAGMENT_MARKER); those stay few. A canary
// block that must fail runs in the same program, so a check that silently passes everything fails.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../lib.js";
import {
	extractSnippets,
	RESOLUTIONS,
	readmeFiles,
	snippetProject,
	writeTsconfig,
} from "../readme-snippets.js";

/** Fragments allowed across all READMEs: a block that needs one should usually be fixed instead. */
const MAX_FRAGMENTS = 4;
const CANARY = "const canary: string = 42;\nexport { canary };\n";

const snippets = readmeFiles().flatMap((readme) =>
	extractSnippets(readme, readFileSync(join(REPO_ROOT, readme), "utf8")),
);
const checked = snippets.filter((s) => s.fragment === undefined);
const project = snippetProject();
const files = checked.map((s, i) => {
	const name = `${s.readme.replace(/[^A-Za-z0-9]+/g, "_")}_${s.line}_${i}.ts`;
	writeFileSync(join(project, name), `${s.code}\nexport {};\n`);
	return name;
});
writeFileSync(join(project, "canary.ts"), CANARY);

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Syntax and type errors of each file, as `file(line,col) TS…: message`, with tsc's settings for `mode`. */
function diagnose(mode: keyof typeof RESOLUTIONS, names: string[]): Map<string, string[]> {
	const config = ts.readConfigFile(
		join(project, writeTsconfig(project, mode, names)),
		ts.sys.readFile,
	);
	const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, project);
	expect(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual(
		[],
	);
	const program = ts.createProgram(parsed.fileNames, parsed.options);
	const out = new Map<string, string[]>();
	for (const name of names) {
		const source = program.getSourceFile(join(project, name));
		if (!source) throw new Error(`${name} is not in the program`);
		const found = [
			...program.getSyntacticDiagnostics(source),
			...program.getSemanticDiagnostics(source),
		].map((d) => {
			const at = source.getLineAndCharacterOfPosition(d.start ?? 0);
			const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
			return { line: at.line + 1, column: at.character + 1, text: `TS${d.code}: ${text}` };
		});
		out.set(
			name,
			found.map((e) => `${e.line}:${e.column} ${e.text}`),
		);
	}
	return out;
}

describe("README TypeScript blocks", () => {
	it("finds the blocks, and marks few as fragments, each with a reason", () => {
		expect(checked.length).toBeGreaterThanOrEqual(15);
		const fragments = snippets.filter((s) => s.fragment !== undefined);
		expect(fragments.map((s) => `${s.readme}:${s.line} ${s.fragment}`).length).toBeLessThanOrEqual(
			MAX_FRAGMENTS,
		);
	});

	it.each(Object.keys(RESOLUTIONS) as (keyof typeof RESOLUTIONS)[])(
		"every block type-checks against the built packages (moduleResolution %s)",
		async (mode) => {
			const found = diagnose(mode, [...files, "canary.ts"]);
			const inReadmes = checked.flatMap((snippet, i) =>
				(found.get(files[i] as string) ?? []).map((error) => {
					const [line, column] = error.split(" ", 1)[0]?.split(":").map(Number) ?? [];
					return `${snippet.readme}:${snippet.line + (line ?? 1) - 1}:${column} ${error.slice(error.indexOf(" ") + 1)}`;
				}),
			);
			expect(inReadmes).toEqual([]);
			// the canary proves the check reports type errors at all
			expect(found.get("canary.ts")?.join("\n")).toMatch(/TS2322/);
		},
	);
});

describe("core's README error table", () => {
	it("has a row for every error class @x/session-core exports", async () => {
		const built = pathToFileURL(join(REPO_ROOT, "packages/core/dist/index.js")).href;
		const core: Record<string, unknown> = await import(built);
		const base = core.SessionBackendError as abstract new (...args: never[]) => Error;
		const classes = Object.entries(core)
			.filter(([, value]) => typeof value === "function" && value.prototype instanceof base)
			.map(([name]) => name);
		const table = readFileSync(join(REPO_ROOT, "packages/core/README.md"), "utf8")
			.split("\n")
			.filter((line) => /^\| `\w+Error` \|/.test(line))
			.map((line) => /^\| `(\w+Error)`/.exec(line)?.[1]);
		expect(classes.length).toBeGreaterThanOrEqual(5);
		expect(table.sort()).toEqual(expect.arrayContaining(classes.sort()));
	});
});

describe("benchmark figures in the READMEs", () => {
	const script = join(REPO_ROOT, "scripts/bench-readme.mjs");
	const check = (root: string) =>
		spawnSync(process.execPath, [join(root, "scripts/bench-readme.mjs"), "--check"], {
			encoding: "utf8",
		});

	it("are what scripts/bench-readme.mjs generates from bench/results", () => {
		const run = check(REPO_ROOT);
		expect(run.stderr).toBe("");
		expect(run.status).toBe(0);
	});

	it("a figure edited by hand fails the check, naming the README", () => {
		const copy = mkdtempSync(join(tmpdir(), "x-session-bench-readme-"));
		try {
			for (const path of ["scripts", "bench/results", "packages"])
				mkdirSync(join(copy, path), { recursive: true });
			cpSync(script, join(copy, "scripts/bench-readme.mjs"));
			cpSync(join(REPO_ROOT, "bench/results"), join(copy, "bench/results"), { recursive: true });
			for (const readme of readmeFiles()) {
				mkdirSync(join(copy, readme, ".."), { recursive: true });
				cpSync(join(REPO_ROOT, readme), join(copy, readme));
			}
			const sqlite = join(copy, "packages/sqlite/README.md");
			const text = readFileSync(sqlite, "utf8");
			const edited = text.replace(
				/(<!-- bench:sqlite[\s\S]*?\| )(\d+(?:\.\d+)?)( \|)/,
				"$1999999$3",
			);
			expect(edited).not.toBe(text);
			writeFileSync(sqlite, edited);
			const run = check(copy);
			expect(run.status).toBe(1);
			expect(run.stderr).toContain("packages/sqlite/README.md");
		} finally {
			rmSync(copy, { recursive: true, force: true });
		}
	});
});

describe("the TypeScript settings the root README promises", () => {
	it("a CommonJS .cts file imports the packages with module nodenext", () => {
		writeFileSync(
			join(project, "commonjs.cts"),
			'import { emptySession } from "@x/session-core";\nexport const empty = emptySession();\n',
		);
		const program = ts.createProgram([join(project, "commonjs.cts")], {
			module: ts.ModuleKind.NodeNext,
			moduleResolution: ts.ModuleResolutionKind.NodeNext,
			target: ts.ScriptTarget.ES2022,
			strict: true,
			noEmit: true,
			skipLibCheck: true,
			types: ["node"],
		});
		const errors = ts
			.getPreEmitDiagnostics(program)
			.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
		expect(errors).toEqual([]);
	});
});
