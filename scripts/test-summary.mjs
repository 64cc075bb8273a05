// Prints the plain closing line "N passed, N failed, N skipped" from one or more vitest JSON
// reports (the unit tests, the browser tests, the packaging tests), summed. A test file that failed
// to load counts as one failed test; a missing or unreadable report counts as one failed test and
// makes the exit status 1. `--errored-runs=N`: how many runs exited non-zero; when their reports
// show no failed test (an unhandled error, a crashed file), each counts as one failed test.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = false;
let erroredRuns = 0;
for (const path of process.argv.slice(2)) {
	if (path.startsWith("--errored-runs=")) {
		erroredRuns = Number(path.slice("--errored-runs=".length)) || 0;
		continue;
	}
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
if (erroredRuns > 0 && failed === 0) {
	console.error(
		`[x-session] ${erroredRuns} test run(s) failed outside any test (see the errors above)`,
	);
	failed += erroredRuns;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (missing) process.exit(1);
