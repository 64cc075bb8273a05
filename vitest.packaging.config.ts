// The checks on what we would publish: pack every package, lint the tarballs, install them in fresh
// projects outside the workspace, measure sizes. Run by scripts/test.sh after the unit tests
// (`pnpm test:packaging` alone); it needs `pnpm build` first.
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		name: "packaging",
		root: import.meta.dirname,
		include: ["packaging/test/**/*.test.ts"],
		globalSetup: ["packaging/global-setup.ts"],
		testTimeout: 600_000,
		hookTimeout: 900_000,
		// installs and type-checks are CPU and network bound; one file at a time keeps the
		// machine responsive and the npm cache consistent
		fileParallelism: false,
	},
});
