// The checks on what we would publish: pack every package, lint the tarballs, install them in fresh
// projects outside the workspace, measure sizes. Run by scripts/test.sh after the unit tests
// (`pnpm test:packaging` alone); it needs `pnpm build` first.
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** manifest and lint checks first, then the installs, then sizes (which read the installs). */
const ORDER = ["manifest", "changesets", "docs", "readmes", "install", "ioredis-6.1", "size"];
class NamedOrder extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const rank = (f: TestSpecification) => {
			const i = ORDER.findIndex((name) => f.moduleId.endsWith(`/${name}.test.ts`));
			return i === -1 ? ORDER.length : i;
		};
		return [...files].sort((a, b) => rank(a) - rank(b));
	}
}

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
		sequence: { sequencer: NamedOrder },
	},
});
