// Core's codec, string and JSON tests and the string backend's portable tests in headless
// Chromium: proof that they need nothing from Node. The IndexedDB backend's tests (the
// conformance suite, two tabs, quota, encryption) run here too. The browser is Debian's
// `chromium` package (CHROMIUM_PATH to use another), driven by playwright-core; no browser is
// downloaded.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { closeTab, openWriterTab } from "./packages/idb/test/browser/tabs.js";

export const CHROMIUM: string = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
	throw new Error(
		`[x-session] the browser tests need Chromium at ${CHROMIUM} (apt-get install chromium)`,
	);
}

export default defineConfig({
	// workspace packages resolve to their TypeScript source, as in the Node tests
	resolve: {
		conditions: ["@x/source", "browser", "module", "import", "default"],
		// the conformance suite's Node assertions, for the IndexedDB backend's run in the browser
		alias: {
			"node:assert/strict": resolve(
				import.meta.dirname,
				"packages/idb/test/browser/shims/assert.ts",
			),
			"node:util": resolve(import.meta.dirname, "packages/idb/test/browser/shims/util.ts"),
		},
	},
	test: {
		name: "browser",
		root: import.meta.dirname,
		include: [
			"packages/core/test/binary-*.test.ts",
			"packages/core/test/trailer.test.ts",
			"packages/core/test/properties.test.ts",
			"packages/core/test/strings.test.ts",
			"packages/core/test/json.test.ts",
			"packages/string/test/string-backend.test.ts",
			"packages/idb/test/browser/**/*.test.ts",
		],
		testTimeout: 60_000,
		browser: {
			enabled: true,
			headless: true,
			provider: playwright({
				launchOptions: { executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] },
			}),
			instances: [{ browser: "chromium" }],
			screenshotFailures: false,
			// a second tab of the test page's origin, for the IndexedDB backend's lock tests
			commands: { openWriterTab, closeTab },
		},
	},
});
