// @mtcute/convert 0.29.7, the reference for tdata folders and MTKruto strings, run in a child
// process from test/mtcute-0.29/ (its own pinned lockfile: the workspace holds the mtcute family
// at 0.30.3 for the mtcute adapter). `bash scripts/test.sh` installs it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serviceAvailable } from "@x/session-core/testing";

const DIR = fileURLToPath(new URL("./mtcute-0.29/", import.meta.url));

/** True when test/mtcute-0.29 is installed; skips the caller, or throws under REQUIRE_SERVICES. */
export function mtcuteConvertAvailable(): Promise<boolean> {
	return serviceAvailable(
		"@mtcute/convert 0.29.7 (packages/convert/test/mtcute-0.29)",
		async () => {
			if (!existsSync(`${DIR}node_modules/@mtcute/convert/package.json`))
				throw new Error(
					"run: pnpm install --frozen-lockfile --ignore-workspace in packages/convert/test/mtcute-0.29 (scripts/test.sh does)",
				);
		},
	);
}

/** One request to @mtcute/convert (see mtcute-0.29/run.mjs); keys travel as hex. */
export function mtcute<T = unknown>(request: Record<string, unknown>): T {
	const r = spawnSync(process.execPath, ["run.mjs"], {
		cwd: DIR,
		input: JSON.stringify(request),
		encoding: "utf8",
		timeout: 60_000,
	});
	if (r.status !== 0) throw new Error(`@mtcute/convert failed (${r.status}): ${r.stderr}`);
	return JSON.parse(r.stdout) as T;
}

export interface MtcuteAccount {
	index: number;
	userId: string;
	mainDcId: number;
	keys: { dcId: number; key: string }[];
}
