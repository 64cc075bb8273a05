// What a user on ioredis 6.1.0 sees. That release lists `@types/redis-errors` only as a dev
// dependency, so its published declarations import a module without types: `tsc` with
// `skipLibCheck: false` fails on ioredis's own files (TS7016), whether or not our declarations
// import ioredis (they do: the options take its `Redis`/`Cluster`). Our decision, documented in
// packages/redis/README.md: the peer range keeps 6.1.0 (it works at run time, and excluding it would
// make npm refuse apps already on it); `skipLibCheck: true` or adding `@types/redis-errors` is the
// fix. These tests pin that down with exact versions, so they stay hermetic.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { npmInstall, REPO_ROOT, reachable, run, SERVICE_PORTS } from "../lib.js";
import { lockedSpec, lockedVersions, lockOverrides } from "../lockfile.js";
import { RECIPES, saveLoadScript } from "./recipes.js";

const IOREDIS = "6.1.0";
const REDIS_ERRORS_TYPES = "@types/redis-errors@1.2.3";
const TSC = join(REPO_ROOT, "node_modules/typescript/bin/tsc");

const packed = inject("packed");
const project = join(inject("packDir"), "projects", "redis-ioredis-6.1");
const redis = packed.find((p) => p.dir === "redis");
const core = packed.find((p) => p.dir === "core");
const recipe = RECIPES.redis;

function tsconfig(name: string, skipLibCheck: boolean): string {
	writeFileSync(
		join(project, name),
		JSON.stringify({
			compilerOptions: {
				module: "node16",
				moduleResolution: "node16",
				target: "es2022",
				lib: ["es2022"],
				types: ["node"],
				strict: true,
				noEmit: true,
				skipLibCheck,
			},
			files: ["smoke.ts"],
		}),
	);
	return name;
}

/** tsc's exit status and output (it prints diagnostics on stdout). */
async function typeCheck(config: string): Promise<{ ok: boolean; output: string }> {
	try {
		await run(process.execPath, [TSC, "-p", config], { cwd: project, timeout: 300_000 });
		return { ok: true, output: "" };
	} catch (error) {
		return { ok: false, output: (error as Error).message };
	}
}

describe(`@x/session-redis with ioredis ${IOREDIS}`, () => {
	beforeAll(async () => {
		if (!redis || !core || !recipe) throw new Error("the redis and core tarballs are missing");
		mkdirSync(project, { recursive: true });
		const locked = lockedVersions();
		// the lockfile's versions everywhere, except ioredis itself
		const { ioredis: _ours, ...overrides } = lockOverrides(locked);
		writeFileSync(
			join(project, "package.json"),
			JSON.stringify({ name: "smoke-ioredis-6-1", private: true, type: "module", overrides }),
		);
		await npmInstall(project, [
			core.tarball,
			redis.tarball,
			`ioredis@${IOREDIS}`,
			lockedSpec(locked, "@types/node", "^20.19.0"),
		]);
		writeFileSync(join(project, "smoke.ts"), `${saveLoadScript(recipe)}\nexport {};\n`);
	});

	it("is inside our peer range (we do not exclude it)", () => {
		const peers = (redis?.manifest.peerDependencies ?? {}) as Record<string, string>;
		const range = peers.ioredis;
		expect(range).toBeDefined();
		expect(semver.satisfies(IOREDIS, range as string)).toBe(true);
	});

	it("saves and loads a session at run time", async (ctx) => {
		if (!(await reachable(SERVICE_PORTS.redis))) {
			if (process.env.REQUIRE_SERVICES) throw new Error("redis is required but does not answer");
			ctx.skip();
		}
		const script = saveLoadScript(recipe as NonNullable<typeof recipe>)
			.replace("type SessionBackend", "")
			.replace(": SessionBackend", "");
		writeFileSync(join(project, "smoke.mjs"), script);
		const { stdout } = await run(process.execPath, ["smoke.mjs"], {
			cwd: project,
			timeout: 120_000,
		});
		expect(stdout).toContain("x-session smoke ok: redis");
	});

	it("type-checks with skipLibCheck: true", async () => {
		const result = await typeCheck(tsconfig("tsconfig.skip.json", true));
		expect(result.output).toBe("");
		expect(result.ok).toBe(true);
	});

	it("fails with skipLibCheck: false on ioredis's own declarations (the upstream bug)", async () => {
		const result = await typeCheck(tsconfig("tsconfig.strict.json", false));
		expect(result.ok).toBe(false);
		expect(result.output).toContain("TS7016");
		expect(result.output).toContain("redis-errors");
		// nothing in our own declarations is at fault
		expect(result.output).not.toMatch(/node_modules\/@x\//);
	});

	it(`type-checks with skipLibCheck: false once ${REDIS_ERRORS_TYPES} is added`, async () => {
		await npmInstall(project, [REDIS_ERRORS_TYPES], ["--save-dev"]);
		const result = await typeCheck(tsconfig("tsconfig.strict.json", false));
		expect(result.output).toBe("");
		expect(result.ok).toBe(true);
	});
});
