// Prints the plain closing line "N passed, N failed, N skipped" from vitest's JSON report.
// A test file that failed to load counts as one failed test. Exits 1 when the report is missing.
import { readFileSync } from "node:fs";

let report;
try {
	report = JSON.parse(readFileSync(process.argv[2], "utf8"));
} catch {
	console.log("0 passed, 1 failed, 0 skipped");
	process.exit(1);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of report.testResults ?? []) {
	const tests = file.assertionResults ?? [];
	for (const t of tests) {
		if (t.status === "passed") passed++;
		else if (t.status === "failed") failed++;
		else skipped++;
	}
	if (file.status === "failed" && !tests.some((t) => t.status === "failed")) failed++;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
