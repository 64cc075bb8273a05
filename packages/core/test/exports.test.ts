// Every entry point's public names, checked against a committed list (exports.snapshot.json), so a
// change to the published surface is always deliberate: add or remove the name there in the same
// change, with a changeset. Entries are read syntactically: named exports only, no `export *`.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const CORE = join(dirname(fileURLToPath(import.meta.url)), "..");
const SNAPSHOT = join(CORE, "test/exports.snapshot.json");

interface EntryConditions {
	"@x/source": string;
}

function entryPoints(): Map<string, string> {
	const manifest = JSON.parse(readFileSync(join(CORE, "package.json"), "utf8")) as {
		exports: Record<string, EntryConditions | string>;
	};
	const entries = new Map<string, string>();
	for (const [subpath, target] of Object.entries(manifest.exports)) {
		if (typeof target === "string") continue; // ./package.json
		entries.set(subpath, join(CORE, target["@x/source"]));
	}
	return entries;
}

/** The names a module exports, from its `export { … }` lists and exported declarations. */
function exportedNames(file: string): { names: string[]; stars: number } {
	const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
	const names: string[] = [];
	let stars = 0;
	for (const statement of source.statements) {
		if (ts.isExportDeclaration(statement)) {
			const clause = statement.exportClause;
			if (!clause) stars++;
			else if (ts.isNamedExports(clause)) for (const e of clause.elements) names.push(e.name.text);
			else stars++; // export * as ns
			continue;
		}
		const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
		if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
		if (ts.isVariableStatement(statement)) {
			for (const d of statement.declarationList.declarations)
				if (ts.isIdentifier(d.name)) names.push(d.name.text);
		} else if (
			"name" in statement &&
			statement.name &&
			ts.isIdentifier(statement.name as ts.Node)
		) {
			names.push((statement.name as ts.Identifier).text);
		}
	}
	return { names: [...new Set(names)].sort(), stars };
}

const snapshot = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, string[]>;
const entries = entryPoints();

describe("public exports", () => {
	it("every entry point in package.json has a committed export list, and no list is stale", () => {
		expect(
			[...entries.keys()].sort(),
			"add the entry's names to test/exports.snapshot.json (or remove a stale list)",
		).toEqual(Object.keys(snapshot).sort());
	});

	it.each([...entries])("%s exports exactly its committed names, by name", (subpath, file) => {
		const { names, stars } = exportedNames(file);
		expect(stars, `${subpath}: use named exports, not export *`).toBe(0);
		expect(
			names,
			`${subpath}: the public surface changed; update test/exports.snapshot.json on purpose`,
		).toEqual(snapshot[subpath]);
	});
});
