// Real Redis servers for the tests: the shared one on 127.0.0.1:6379, and servers the tests
// start themselves (own port, own directory) for faults and for a three-master cluster.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { serviceAvailable } from "@x/session-core/testing";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

const run = promisify(execFile);

/** The shared server every test may use (never FLUSHALL/FLUSHDB it). */
export const SHARED = { host: "127.0.0.1", port: 6379 } as const;

/** Repository root (for tsx). */
export const REPO_ROOT: string = resolve(import.meta.dirname, "../../..");
/** Absolute path of tsx's loader, for child processes. */
export const TSX_LOADER: string = join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs");

/** A fresh key prefix for one test. */
export function randomPrefix(): string {
	return `xstest-${randomBytes(6).toString("hex")}`;
}

/** A client to the shared server that fails fast when it is absent. */
export function sharedClient(options: RedisOptions = {}): Redis {
	// (ioredis' overloads reject spread option objects under exactOptionalPropertyTypes)
	return new Redis({
		...SHARED,
		maxRetriesPerRequest: 1,
		connectTimeout: 2000,
		...options,
	} as never);
}

/** Whether the shared server answers (see `serviceAvailable`: a skip, or a failure in CI). */
export async function sharedServerAvailable(): Promise<boolean> {
	const probe = sharedClient();
	return serviceAvailable("redis", async () => {
		try {
			await probe.ping();
		} finally {
			probe.disconnect();
		}
	});
}

/**
 * Whether the `redis-server` binary is here, for the tests that start their own servers (a skip,
 * or under REQUIRE_SERVICES a failure).
 */
export function redisServerAvailable(): Promise<boolean> {
	return serviceAvailable("redis-server (the binary, to start private servers)", () =>
		run("redis-server", ["--version"]),
	);
}

/** Deletes every key under `prefix` (SCAN + UNLINK; on a cluster, on every master). */
export async function deletePrefix(client: Redis | Cluster, prefix: string): Promise<void> {
	const nodes = client instanceof Cluster ? client.nodes("master") : [client];
	for (const node of nodes) {
		let cursor = "0";
		do {
			const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
			cursor = next;
			for (const key of keys) await node.unlink(key);
		} while (cursor !== "0");
	}
}

/** True when nothing listens on `port` (and, if asked, on the cluster bus port too). */
async function portFree(port: number): Promise<boolean> {
	return new Promise((ok) => {
		const s = createServer();
		s.once("error", () => ok(false));
		s.listen(port, "127.0.0.1", () => s.close(() => ok(true)));
	});
}

/** A free loopback port whose `+10000` bus port is free too. */
export async function freePort(): Promise<number> {
	for (;;) {
		const port = 20000 + Math.floor(Math.random() * 30000);
		if ((await portFree(port)) && (await portFree(port + 10000))) return port;
	}
}

/** A redis-server process this test started. */
export interface OwnServer {
	port: number;
	dir: string;
	process: ChildProcess;
	/** Starts it again (same port, dir and arguments) after a kill. */
	restart(): Promise<void>;
	/** SIGKILL, no shutdown. */
	kill(): Promise<void>;
	/** Kills it and removes its directory. */
	destroy(): Promise<void>;
}

async function waitForPing(port: number, password?: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			const args = ["-h", "127.0.0.1", "-p", String(port)];
			if (password) args.push("--no-auth-warning", "-a", password);
			const { stdout } = await run("redis-cli", [...args, "PING"]);
			if (stdout.trim() === "PONG") return;
		} catch {}
		if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** Starts redis-server on a free port in a fresh directory; `args` are extra config pairs. */
export async function startServer(
	args: string[] = [],
	options: { password?: string } = {},
): Promise<OwnServer> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), "xs-redis-"));
	const argv = [
		"--port",
		String(port),
		"--bind",
		"127.0.0.1",
		"--dir",
		dir,
		"--save",
		"",
		"--appendonly",
		"no",
		...args,
	];
	if (options.password) argv.push("--requirepass", options.password);
	const start = async () => {
		const p = spawn("redis-server", argv, { stdio: "ignore" });
		server.process = p;
		await waitForPing(port, options.password);
	};
	const kill = async () => {
		const p = server.process;
		if (p.exitCode !== null || p.signalCode !== null) return;
		await new Promise<void>((ok) => {
			p.once("exit", () => ok());
			p.kill("SIGKILL");
		});
	};
	const server: OwnServer = {
		port,
		dir,
		process: undefined as unknown as ChildProcess,
		restart: start,
		kill,
		destroy: async () => {
			await kill();
			rmSync(dir, { recursive: true, force: true });
		},
	};
	await start();
	return server;
}

/** A three-master cluster on loopback, started and torn down by the test. */
export interface OwnCluster {
	servers: OwnServer[];
	client(options?: ClusterOptions): Cluster;
	destroy(): Promise<void>;
}

/** Starts three cluster-enabled servers, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
export async function startCluster(): Promise<OwnCluster> {
	const servers: OwnServer[] = [];
	try {
		for (let i = 0; i < 3; i++) {
			servers.push(
				await startServer([
					"--cluster-enabled",
					"yes",
					"--cluster-config-file",
					"nodes.conf",
					"--cluster-node-timeout",
					"5000",
				]),
			);
		}
		const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
		await run("redis-cli", [
			"--cluster",
			"create",
			...nodes,
			"--cluster-replicas",
			"0",
			"--cluster-yes",
		]);
		const deadline = Date.now() + 30_000;
		for (const s of servers) {
			for (;;) {
				const { stdout } = await run("redis-cli", ["-p", String(s.port), "CLUSTER", "INFO"]);
				if (stdout.includes("cluster_state:ok")) break;
				if (Date.now() > deadline) throw new Error("cluster did not reach cluster_state:ok");
				await new Promise((r) => setTimeout(r, 100));
			}
		}
	} catch (e) {
		await Promise.all(servers.map((s) => s.destroy()));
		throw e;
	}
	return {
		servers,
		client: (options = {}) =>
			new Cluster(
				servers.map((s) => ({ host: "127.0.0.1", port: s.port })),
				{ redisOptions: { maxRetriesPerRequest: 2, connectTimeout: 2000 }, ...options } as never,
			),
		destroy: async () => {
			await Promise.all(servers.map((s) => s.destroy()));
		},
	};
}
