// Connections the server ends: pg_terminate_backend of this test's own connections (filtered by
// application_name or backend pid) on the shared server, and a cluster of the test's own stopped
// with `pg_ctl stop -m fast` and started again. None of this may end the process.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { isSessionError } from "@x/session-core";
import { sampleSession, testPeers } from "@x/session-core/testing";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresSessionBackend, postgresDriver } from "../src/index.js";
import { startPrivateCluster } from "./cluster.js";
import { adminQuery, available, dropSchema, PG_URL, randomSchema } from "./helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
function schema(): string {
	const s = randomSchema();
	cleanups.push(() => dropSchema(s));
	return s;
}
async function terminate(pid: number): Promise<void> {
	await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write k stores eight peers of its own (ids 7e6 + 2k, 7e6 + 2k + 1, of every kind). */
const peersOf = (k: number) =>
	testPeers(8, k).map((p) => ({ ...p, id: 7_000_000n + BigInt(k * 2) + (p.id - 1_000_000n) }));

/** Runs `test/child/terminate.ts` and returns the counts it prints; rejects if it dies. */
function terminateRounds(s: string, rounds: number, mode: "own" | "pool") {
	const tsx = createRequire(import.meta.url).resolve("tsx");
	const child = spawn(
		process.execPath,
		[
			"--conditions=@x/source",
			"--import",
			tsx,
			join(import.meta.dirname, "child", "terminate.ts"),
			PG_URL,
			s,
			String(rounds),
			mode,
		],
		{ stdio: ["ignore", "pipe", "pipe"], timeout: 90_000 },
	);
	let out = "";
	let err = "";
	child.stdout.on("data", (d: Buffer) => {
		out += d;
	});
	child.stderr.on("data", (d: Buffer) => {
		err += d;
	});
	return new Promise<Record<string, unknown>>((resolve, reject) => {
		child.once("exit", (code, signal) => {
			if (code === 0) resolve(JSON.parse(out));
			else reject(new Error(`child exited ${code ?? signal}: ${err.slice(-1500)}`));
		});
	});
}

describe.skipIf(!available)("postgres faults", () => {
	for (const mode of ["own pool", "your pool", "your client"] as const)
		it(`a connection ended between two statements of a transaction is CONNECTION, not an unhandled 'error' (${mode})`, async () => {
			const s = schema();
			// a caller's pool or client deliberately without an 'error' listener of its own
			let source: { pool: pg.Pool } | { client: pg.Client } | { connectionString: string };
			if (mode === "your pool") {
				const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
				cleanups.push(() => pool.end());
				source = { pool };
			} else if (mode === "your client") {
				const client = new pg.Client({ connectionString: PG_URL });
				await client.connect();
				cleanups.push(() => client.end());
				source = { client };
			} else source = { connectionString: PG_URL };
			const driver = postgresDriver({ ...source, schema: s });
			cleanups.push(async () => driver.close?.());
			await driver.run("CREATE TABLE xs_probe (v int)");
			const error = await driver
				.transaction(async (tx) => {
					await tx.run("INSERT INTO xs_probe VALUES (1)");
					const [row] = await tx.all("SELECT pg_backend_pid() AS pid");
					await terminate(Number(row?.pid));
					await sleep(300); // the server's FATAL arrives while no statement runs
					await tx.run("INSERT INTO xs_probe VALUES (2)");
				})
				.catch((e: unknown) => e);
			const mapped = driver.mapError?.(error, "write");
			expect(isSessionError(mapped, "CONNECTION")).toBe(true);
			expect(String((mapped as Error).message)).toContain("57P01");
			if (mode === "your client") return; // a pg.Client does not reconnect: that is its owner's
			// the next call takes a new connection, and the rolled-back insert is not there
			expect(await driver.all("SELECT count(*)::int AS n FROM xs_probe")).toEqual([{ n: 0 }]);
		});

	it("a pooled connection ended while idle, its notice not yet read: the next write succeeds (BEGIN is retried on another)", async () => {
		const s = schema();
		const app = `xs-idle-${s}`;
		const b = await PostgresSessionBackend.open({
			connectionString: PG_URL,
			schema: s,
			applicationName: app,
		});
		cleanups.push(() => b.close());
		await b.setHomeDc(1);
		const admin = new pg.Client({ connectionString: PG_URL });
		await admin.connect();
		cleanups.push(() => admin.end());
		for (let round = 1; round <= 5; round++) {
			await admin.query(
				"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
				[app],
			);
			// the server's FATAL arrives while the event loop is blocked: the pool still holds the
			// connection as idle when the next write checks it out
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
			await b.setHomeDc(round + 1);
		}
		expect((await b.load())?.homeDcId).toBe(6);
	});

	it("connections terminated while writes are in flight, 20 rounds: CONNECTION or TIMEOUT, recovery, nothing acknowledged lost", async () => {
		for (const mode of ["own", "pool"] as const) {
			const counts = await terminateRounds(schema(), 20, mode);
			console.info(
				`postgres terminate rounds (${mode === "own" ? "own pool" : "your pool"})`,
				counts,
			);
			expect(counts.rounds).toBe(20);
			expect(counts.killed).toBeGreaterThanOrEqual(20);
			expect(counts.acknowledged).toBeGreaterThan(0);
			expect(counts.lost).toBe(0);
			// CONNECTION means not applied; TIMEOUT (lost while committing) may have been
			expect(counts.refusedButApplied).toBe(0);
			expect(
				Object.keys(counts.codes as object).every((c) => /^(CONNECTION|TIMEOUT)$/.test(c)),
			).toBe(true);
			expect(counts.firstAfterFailed).toBe(0);
		}
	}, 120_000);

	it("the postmaster killed (SIGKILL) with writes in flight, then started again: typed errors, the next call succeeds, nothing acknowledged lost", async (ctx) => {
		const cluster = await startPrivateCluster();
		if (!cluster) return ctx.skip();
		cleanups.push(async () => cluster.destroy());
		const b = await PostgresSessionBackend.open({
			connectionString: cluster.url,
			schema: "xs",
			connectTimeoutMs: 2000,
		});
		cleanups.push(() => b.close());
		await b.save({ ...sampleSession(), peers: [] });
		const outcome = new Map<number, string>();
		let k = 0;
		let writing = true;
		const writer = (async () => {
			while (writing) {
				const n = k++;
				await b.cachePeers(peersOf(n)).then(
					() => outcome.set(n, "ok"),
					(e: unknown) => outcome.set(n, isSessionError(e) ? e.code : `untyped: ${String(e)}`),
				);
			}
		})();
		await sleep(150);
		cluster.killPostmaster();
		await sleep(1000); // the orphaned backends notice and exit
		writing = false;
		await writer;
		for (let i = 0; i < 50; i++) {
			try {
				cluster.start();
				break;
			} catch {
				await sleep(200); // a backend may still hold the shared memory for a moment
			}
		}
		await b.setHomeDc(4); // the next call works, without reopening the backend
		const stored = new Set(((await b.load())?.peers ?? []).map((p) => `${p.kind}:${p.id}`));
		const codes: Record<string, number> = {};
		let acknowledged = 0;
		let lost = 0;
		for (const [n, result] of outcome) {
			const present = peersOf(n).filter((p) => stored.has(`${p.kind}:${p.id}`)).length;
			if (result === "ok") {
				acknowledged++;
				if (present !== 8) lost++;
			} else {
				codes[result] = (codes[result] ?? 0) + 1;
				if (result === "CONNECTION") expect(present).toBe(0);
			}
		}
		console.info("postgres postmaster SIGKILL", {
			writes: outcome.size,
			acknowledged,
			lost,
			codes,
		});
		expect(acknowledged).toBeGreaterThan(0);
		expect(lost).toBe(0);
		expect(Object.keys(codes).every((c) => /^(CONNECTION|TIMEOUT)$/.test(c))).toBe(true);
	}, 90_000);

	it("the server restarted (pg_ctl stop -m fast, start) with writes in flight, 3 times: the next call succeeds, nothing acknowledged lost", async (ctx) => {
		const cluster = await startPrivateCluster();
		if (!cluster) return ctx.skip(); // no server binaries to run a cluster of our own
		cleanups.push(async () => cluster.destroy());
		const b = await PostgresSessionBackend.open({
			connectionString: cluster.url,
			schema: "xs",
			connectTimeoutMs: 2000,
		});
		cleanups.push(() => b.close());
		await b.save({ ...sampleSession(), peers: [] });
		const outcome = new Map<number, string>();
		const codes: Record<string, number> = {};
		const recoveryMs: number[] = [];
		let k = 0;
		for (let round = 0; round < 3; round++) {
			let writing = true;
			const writer = (async () => {
				while (writing) {
					const batch = [0, 1, 2].map(() => k++);
					await Promise.all(
						batch.map((n) =>
							b.cachePeers(peersOf(n)).then(
								() => outcome.set(n, "ok"),
								(e: unknown) => {
									const code = isSessionError(e) ? e.code : `untyped: ${String(e)}`;
									outcome.set(n, code);
									codes[code] = (codes[code] ?? 0) + 1;
								},
							),
						),
					);
					await sleep(5);
				}
			})();
			await sleep(150);
			cluster.stop();
			await sleep(300); // writes against a stopped server
			writing = false;
			await writer;
			const down = await b.setHomeDc(6).catch((e: unknown) => e);
			expect(isSessionError(down, "CONNECTION")).toBe(true);
			cluster.start();
			const started = Date.now();
			await b.setHomeDc(round + 1); // the next call works, without reopening the backend
			recoveryMs.push(Date.now() - started);
		}
		const loaded = await b.load();
		expect(loaded?.homeDcId).toBe(3);
		const stored = new Set((loaded?.peers ?? []).map((p) => `${p.kind}:${p.id}`));
		let acknowledged = 0;
		let lost = 0;
		let refusedButApplied = 0;
		for (const [n, result] of outcome) {
			const present = peersOf(n).filter((p) => stored.has(`${p.kind}:${p.id}`)).length;
			if (result === "ok") {
				acknowledged++;
				if (present !== 8) lost++;
			} else if (result === "CONNECTION" && present > 0) refusedButApplied++;
		}
		console.info("postgres restart rounds", {
			rounds: 3,
			writes: outcome.size,
			acknowledged,
			lost,
			refusedButApplied,
			codes,
			recoveryMs,
		});
		expect(acknowledged).toBeGreaterThan(0);
		expect(lost).toBe(0);
		expect(refusedButApplied).toBe(0);
		expect(Object.keys(codes).every((c) => /^(CONNECTION|TIMEOUT)$/.test(c))).toBe(true);
	}, 90_000);
});
