// Prints the plain closing line "N passed, N failed, N skipped" from one or more vitest JSON
// reports (the unit tests, the browser tests, the packaging tests), summed. A test file that failed
// to load counts as one failed test; a missing or unreadable report counts as one failed test and
// makes the exit status 1.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = false;
for (const path of process.argv.slice(2)) {
	let report;
	try {
		report = JSON.parse(readFileSync(path, "utf8"));
	} catch {
		console.error(`[x-session] no test report at ${path}`);
		failed++;
		missing = true;
		continue;
	}
	for (const file of report.testResults ?? []) {
		const tests = file.assertionResults ?? [];
		for (const t of tests) {
			if (t.status === "passed") passed++;
			else if (t.status === "failed") failed++;
			else skipped++;
		}
		if (file.status === "failed" && !tests.some((t) => t.status === "failed")) failed++;
	}
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (missing) process.exit(1);
