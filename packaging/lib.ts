// Shared by the packaging checks: which packages exist, how to run a command, how big a tree is.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";

export const REPO_ROOT: string = resolve(import.meta.dirname, "..");

export interface WorkspacePackage {
	/** The folder under packages/, also the package name's suffix. */
	dir: string;
	name: string;
	version: string;
	path: string;
	manifest: Record<string, unknown>;
}

/** Every publishable package: each packages/* folder with a package.json that is not private. */
export function workspacePackages(): WorkspacePackage[] {
	const base = join(REPO_ROOT, "packages");
	const out: WorkspacePackage[] = [];
	for (const dir of readdirSync(base).sort()) {
		const file = join(base, dir, "package.json");
		if (!existsSync(file)) continue;
		const manifest = JSON.parse(readFileSync(file, "utf8"));
		if (manifest.private) continue;
		out.push({
			dir,
			name: manifest.name,
			version: manifest.version,
			path: join(base, dir),
			manifest,
		});
	}
	return out;
}

/** What `pnpm pack` produced for one package (written by the global setup). */
export interface PackedPackage {
	dir: string;
	name: string;
	version: string;
	tarball: string;
	/** Bytes of the .tgz. */
	packedSize: number;
	/** Bytes of the files in the tarball (what `npm i` writes for this package). */
	unpackedSize: number;
	files: string[];
	/** The package.json as packed, with workspace ranges rewritten. */
	manifest: Record<string, unknown>;
}

export interface RunResult {
	stdout: string;
	stderr: string;
}

/** Runs a command; rejects with its output when it exits non-zero or times out. */
export function run(
	cmd: string,
	args: string[],
	options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<RunResult> {
	return new Promise((resolvePromise, reject) => {
		execFile(
			cmd,
			args,
			{
				cwd: options.cwd,
				env: { ...process.env, ...options.env },
				timeout: options.timeout ?? 300_000,
				maxBuffer: 64 * 1024 * 1024,
			},
			(error, stdout, stderr) => {
				if (error) {
					reject(
						new Error(
							`${cmd} ${args.join(" ")} failed in ${options.cwd}: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
						),
					);
				} else resolvePromise({ stdout, stderr });
			},
		);
	});
}

/** Bytes of the regular files under a folder (symlinks not followed). */
export function treeSize(path: string): number {
	let total = 0;
	const stat = statSync(path, { throwIfNoEntry: false });
	if (!stat) return 0;
	if (stat.isFile()) return stat.size;
	if (!stat.isDirectory()) return 0;
	for (const entry of readdirSync(path, { withFileTypes: true })) {
		const child = join(path, entry.name);
		if (entry.isDirectory()) total += treeSize(child);
		else if (entry.isFile()) total += statSync(child).size;
	}
	return total;
}

export function kib(bytes: number): string {
	return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The npm command line of this Node (the one users have), not pnpm. */
export const NPM: string = "npm";

/**
 * `npm install` of `specs` into a project, quietly, as exact versions: a direct dependency must
 * equal its override exactly, or npm refuses the install.
 */
export function npmInstall(project: string, specs: string[], flags: string[] = []) {
	return run(
		NPM,
		[
			"install",
			"--no-audit",
			"--no-fund",
			"--prefer-offline",
			"--loglevel=error",
			"--save-exact",
			...flags,
			...specs,
		],
		{ cwd: project, timeout: 600_000 },
	);
}

/** The ports of the servers the recipes talk to. */
export const SERVICE_PORTS = { redis: 6379, postgres: 5432 } as const;

/** True when something accepts TCP connections on 127.0.0.1:port within 2 s. */
export function reachable(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: "127.0.0.1", port, timeout: 2000 });
		socket.once("connect", () => {
			socket.destroy();
			resolve(true);
		});
		socket.once("error", () => resolve(false));
		socket.once("timeout", () => {
			socket.destroy();
			resolve(false);
		});
	});
}
