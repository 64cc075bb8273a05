// `list` works on every multi-session store; its --help and the README say so for each of them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./helpers.js";

const MULTI_SESSION = ["sqlite:", "libsql:", "postgres://", "redis://"];

describe("list names every multi-session store", () => {
	it.each(MULTI_SESSION)("list --help and the README's list row mention %s", async (scheme) => {
		const { HELP } = await import("../src/help.js");
		expect(HELP.list).toContain(scheme);
		const readme = readFileSync(join(root, "packages/cli/README.md"), "utf8");
		const row = readme.split("\n").find((line) => line.startsWith("| `list "));
		expect(row).toContain(`\`${scheme}`);
	});
});
