// The API reference stays complete: every symbol a package exports (from every entry point in its
// exports map) carries a TSDoc comment. `pnpm docs` builds the reference from the same comments.
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { workspacePackages } from "../lib.js";

const packages = workspacePackages();

function entryFiles(pkg: (typeof packages)[number]): string[] {
	const exports = (pkg.manifest.exports ?? {}) as Record<string, unknown>;
	return Object.values(exports)
		.filter((t): t is Record<string, string> => typeof t === "object" && t !== null)
		.map((t) => t["@x/source"])
		.filter((s): s is string => typeof s === "string")
		.map((s) => join(pkg.path, s));
}

const allEntries = packages.flatMap(entryFiles);
const program = ts.createProgram(allEntries, {
	target: ts.ScriptTarget.ES2022,
	module: ts.ModuleKind.NodeNext,
	moduleResolution: ts.ModuleResolutionKind.NodeNext,
	customConditions: ["@x/source"],
	strict: true,
	noEmit: true,
	skipLibCheck: true,
	types: ["node"],
});
const checker = program.getTypeChecker();

/** `export` names of one entry file that have no documentation comment on any declaration. */
function undocumented(file: string): string[] {
	const source = program.getSourceFile(file);
	if (!source) throw new Error(`${file} is not in the program`);
	const moduleSymbol = checker.getSymbolAtLocation(source);
	if (!moduleSymbol) return [];
	const missing: string[] = [];
	for (const exported of checker.getExportsOfModule(moduleSymbol)) {
		const symbol =
			exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
		const documented =
			symbol.getDocumentationComment(checker).length > 0 ||
			(symbol.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
		if (!documented) missing.push(exported.name);
	}
	return missing.sort();
}

describe.each(packages.map((p) => [p.name, p] as const))("%s", (_name, pkg) => {
	it.each(entryFiles(pkg).map((f) => [f.slice(pkg.path.length + 1), f] as const))(
		"every symbol exported by %s has a TSDoc comment",
		(_rel, file) => {
			expect(undocumented(file)).toEqual([]);
		},
	);
});
