// A PostgreSQL cluster of the test's own (initdb in a temporary directory, trust auth, a free
// port), so a test can stop and restart a real server without touching the shared one.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrivateCluster {
	url: string;
	stop(): void;
	start(): void;
	/** SIGKILL of the postmaster (its backends exit when they notice); `start()` again after. */
	killPostmaster(): void;
	destroy(): void;
}

/** Debian's server binaries, or undefined when they are not installed. */
function binDir(): string | undefined {
	const base = "/usr/lib/postgresql";
	if (!existsSync(base)) return undefined;
	const versions = readdirSync(base)
		.filter((v) => existsSync(join(base, v, "bin", "initdb")))
		.sort((a, b) => Number(b) - Number(a));
	return versions[0] ? join(base, versions[0], "bin") : undefined;
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	const { port } = server.address() as { port: number };
	await new Promise((r) => server.close(r));
	return port;
}

/**
 * Starts a throwaway cluster (with server `settings` such as `max_connections`); undefined when the binaries are missing, or when running as root
 * without a `postgres` user to run them as (PostgreSQL refuses to run as root).
 */
export async function startPrivateCluster(
	settings: Record<string, string | number> = {},
): Promise<PrivateCluster | undefined> {
	const bin = binDir();
	if (!bin) return undefined;
	const root = process.getuid?.() === 0;
	let uid: number | undefined;
	if (root) {
		try {
			uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
		} catch {
			return undefined;
		}
	}
	const run = (tool: string, args: string[]) => {
		const cmd = join(bin, tool);
		const [file, argv] = root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
		execFileSync(file, argv, { stdio: "ignore", timeout: 60_000 });
	};
	const dir = mkdtempSync(join(tmpdir(), "xs-pg-cluster-"));
	if (uid !== undefined) chownSync(dir, uid, -1);
	const data = join(dir, "data");
	const port = await freePort();
	run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
	const extra = Object.entries(settings)
		.map(([name, value]) => ` -c ${name}=${value}`)
		.join("");
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${extra}`;
	const start = () =>
		run("pg_ctl", ["-D", data, "-o", options, "-w", "-l", join(dir, "log"), "start"]);
	const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
	start();
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		start,
		stop,
		killPostmaster() {
			const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
			process.kill(pid, "SIGKILL");
		},
		destroy() {
			try {
				stop();
			} catch {
				// already stopped
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
