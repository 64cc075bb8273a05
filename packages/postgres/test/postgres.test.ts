import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { inspect } from "node:util";
import { isSessionError, SessionLockedError } from "@x/session-core";
import { SCHEMA_VERSION } from "@x/session-core/sql";
import {
	assertSameSession,
	I64_MAX,
	I64_MIN,
	sampleSession,
	testPeer,
	testPeers,
} from "@x/session-core/testing";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startChild } from "../../core/test/child-process.js";
import { POSTGRES_MIGRATIONS, PostgresSessionBackend } from "../src/index.js";
import { startPrivateCluster } from "./cluster.js";
import { adminQuery, available, dropSchema, PG_URL, randomSchema } from "./helpers.js";

const schemas: string[] = [];
afterEach(async () => {
	for (const s of schemas.splice(0)) await dropSchema(s);
});
function schema(): string {
	const s = randomSchema();
	schemas.push(s);
	return s;
}
const sql = adminQuery;

describe.skipIf(!available)("postgres", () => {
	it("two pools opening a new schema at once migrate it exactly once", async () => {
		const s = schema();
		const opened = await Promise.all(
			["a", "b", "c", "d"].map((id) =>
				// a pool each (pools are shared by equal settings): as four processes would
				PostgresSessionBackend.open({
					connectionString: PG_URL,
					schema: s,
					sessionId: id,
					applicationName: `xs-migrate-${id}`,
				}),
			),
		);
		const versions = await sql(`SELECT version FROM "${s}".xs_schema`);
		expect(versions.rows).toEqual([{ version: SCHEMA_VERSION }]);
		await Promise.all(opened.map((b) => b.close()));
	});

	it("migrates forward from every earlier version without losing data", async () => {
		for (let start = 1; start < SCHEMA_VERSION; start++) {
			const s = schema();
			await sql(`CREATE SCHEMA "${s}"`);
			for (let v = 0; v < start; v++)
				for (const stmt of POSTGRES_MIGRATIONS[v] ?? [])
					await sql(`SET search_path TO "${s}"; ${stmt}`);
			await sql(`INSERT INTO "${s}".xs_schema VALUES ($1)`, [start]);
			await sql(`INSERT INTO "${s}".xs_sessions (session_id, home_dc_id) VALUES ('old', 3)`);
			await sql(`INSERT INTO "${s}".xs_peers VALUES ('old', 0, $1, $2, NULL)`, [
				I64_MAX.toString(),
				I64_MIN.toString(),
			]);
			const b = await PostgresSessionBackend.open({
				connectionString: PG_URL,
				schema: s,
				sessionId: "old",
			});
			const loaded = await b.load();
			expect(loaded?.homeDcId).toBe(3);
			expect(loaded?.peers).toEqual([testPeer("user", I64_MAX, I64_MIN)]);
			await b.close();
		}
	});

	it("cachePeers writes a 100k batch with one statement", async () => {
		const s = schema();
		const b = await PostgresSessionBackend.open({ connectionString: PG_URL, schema: s });
		await b.save(sampleSession());
		const queries: string[] = [];
		const original = pg.Client.prototype.query;
		pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
			const q = args[0] as string | { text: string };
			queries.push(typeof q === "string" ? q : q.text);
			return (original as (...a: unknown[]) => unknown).apply(this, args);
		} as typeof original;
		try {
			await b.cachePeers(testPeers(100_000, 3).map((p) => ({ ...p, id: p.id + 9_000_000n })));
		} finally {
			pg.Client.prototype.query = original;
		}
		expect(queries.filter((q) => q.includes("xs_peers"))).toHaveLength(1);
		expect(queries.length).toBeLessThan(10);
		expect((await b.load())?.peers).toHaveLength(100_000 + sampleSession().peers.length);
		await b.close();
	}, 60_000);

	it("a second process on the same session gets LOCKED; on another session both work", async () => {
		const s = schema();
		const { child } = await startChild(
			join(import.meta.dirname, "child", "holder.ts"),
			[PG_URL, s, "bot"],
			"holding",
		);
		try {
			const error = await PostgresSessionBackend.open({
				connectionString: PG_URL,
				schema: s,
				sessionId: "bot",
			}).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(SessionLockedError);
			expect((error as SessionLockedError).holder?.pid).toBe(child.pid);
			const other = await PostgresSessionBackend.open({
				connectionString: PG_URL,
				schema: s,
				sessionId: "other",
			});
			await other.setHomeDc(4);
			await other.close();
			child.kill("SIGKILL");
			await new Promise((r) => child.once("exit", r));
			const b = await PostgresSessionBackend.open({
				connectionString: PG_URL,
				schema: s,
				sessionId: "bot",
			});
			expect((await b.load())?.homeDcId).toBe(2);
			await b.close();
		} finally {
			child.kill("SIGKILL");
		}
	}, 30_000);

	it("a write racing a lease takeover that commits first is refused (fencing without a lease update)", async () => {
		const s = schema();
		const b = await PostgresSessionBackend.open({ connectionString: PG_URL, schema: s });
		await b.setHomeDc(1);
		const thief = new pg.Client({ connectionString: PG_URL });
		await thief.connect();
		try {
			await thief.query("BEGIN");
			await thief.query(`UPDATE "${s}".xs_leases SET owner = 'thief', expires_at = $1`, [
				Date.now() + 60_000,
			]);
			// this write reads the lease: it must wait for the takeover, then see it
			const write = b.setHomeDc(2).then(
				() => "written",
				(e: unknown) => e,
			);
			await new Promise((r) => setTimeout(r, 300));
			await thief.query("COMMIT");
			const outcome = await write;
			expect(outcome).toBeInstanceOf(SessionLockedError);
			expect(String((outcome as Error).message)).toMatch(/lease on session "default" was lost/);
		} finally {
			await thief.end();
		}
		const [row] = (await sql(`SELECT home_dc_id FROM "${s}".xs_sessions`)).rows;
		expect(row?.home_dc_id).toBe(1);
		await b.close();
	});

	it("connections killed by the server: a typed error, then recovery, nothing acknowledged lost", async () => {
		const s = schema();
		const app = `xs-kill-${s}`;
		const b = await PostgresSessionBackend.open({
			connectionString: PG_URL,
			schema: s,
			sessionId: "k",
			applicationName: app,
		});
		await b.save(sampleSession());
		await b.setHomeDc(5);
		const killed = await sql(
			"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
			[app],
		);
		expect(killed.rowCount).toBeGreaterThan(0);
		const first = await b.load().then(
			() => "ok",
			(e: unknown) => e,
		);
		if (first !== "ok") expect(isSessionError(first, "CONNECTION")).toBe(true);
		const loaded = await b.load();
		expect(loaded?.homeDcId).toBe(5);
		await b.close();
	});

	it("a statement that waits too long fails with TIMEOUT", async () => {
		const s = schema();
		const b = await PostgresSessionBackend.open({
			connectionString: PG_URL,
			schema: s,
			statementTimeoutMs: 300,
			lock: false,
		});
		await b.save(sampleSession());
		const blocker = new pg.Client({ connectionString: PG_URL });
		await blocker.connect();
		await blocker.query(`BEGIN; LOCK TABLE "${s}".xs_sessions IN ACCESS EXCLUSIVE MODE`);
		try {
			const started = Date.now();
			await expect(b.setHomeDc(1)).rejects.toSatisfy((e) => isSessionError(e, "TIMEOUT"));
			expect(Date.now() - started).toBeLessThan(3000);
		} finally {
			await blocker.query("ROLLBACK");
			await blocker.end();
		}
		await b.setHomeDc(1);
		assertSameSession(await b.load(), { ...sampleSession(), homeDcId: 1 });
		await b.close();
	});

	it("a refused port is CONNECTION fast; a bad login is AUTH; the password never shows", async () => {
		const started = Date.now();
		const refused = await PostgresSessionBackend.open({
			connectionString: "postgres://u:pw-secret-1@127.0.0.1:1/x",
		}).catch((e: unknown) => e);
		expect(isSessionError(refused, "CONNECTION")).toBe(true);
		expect(Date.now() - started).toBeLessThan(5000);
		const url = new URL(PG_URL);
		url.username = "no_such_role_xs";
		url.password = "pw-secret-2";
		const auth = await PostgresSessionBackend.open({ connectionString: url.toString() }).catch(
			(e: unknown) => e,
		);
		expect(isSessionError(auth, "AUTH")).toBe(true);
		for (const e of [refused, auth]) {
			const text = `${String(e)} ${inspect(e, { depth: 10 })}`;
			expect(text).not.toContain("pw-secret");
		}
	});

	it("runs on a caller's single pg.Client: two sessions share it, their transactions queued", async () => {
		const s = schema();
		const client = new pg.Client({ connectionString: PG_URL });
		await client.connect();
		try {
			const [a, c] = await Promise.all(
				["alice", "carol"].map((sessionId) =>
					PostgresSessionBackend.open({ client, schema: s, sessionId }),
				),
			);
			if (!a || !c) throw new Error("not opened");
			await Promise.all([
				a.save(sampleSession(1)),
				c.save(sampleSession(2)),
				a.cachePeers(testPeers(500, 4).map((p) => ({ ...p, id: p.id + 9_000_000n }))),
				c.applyUpdateState({ type: "primary", pts: 9, date: 9, seq: 9 }),
			]);
			expect((await a.load())?.peers).toHaveLength(sampleSession(1).peers.length + 500);
			expect((await c.load())?.updatesState.pts).toBe(9);
			expect(await PostgresSessionBackend.listSessions({ client, schema: s })).toEqual([
				"alice",
				"carol",
			]);
			await a.close();
			await c.close();
			// left open for its owner, still usable
			expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
		} finally {
			await client.end();
		}
	});

	it("a server that accepts and never answers is TIMEOUT after connectTimeoutMs", async () => {
		const silent = createServer(() => {});
		await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
		const { port } = silent.address() as AddressInfo;
		try {
			const started = Date.now();
			const error = await PostgresSessionBackend.open({
				connectionString: `postgres://u:pw-secret-3@127.0.0.1:${port}/x`,
				connectTimeoutMs: 500,
			}).catch((e: unknown) => e);
			expect(isSessionError(error, "TIMEOUT")).toBe(true);
			expect(Date.now() - started).toBeLessThan(4000);
			expect(`${String(error)} ${inspect(error, { depth: 10 })}`).not.toContain("pw-secret");
		} finally {
			silent.close();
		}
	});

	it("a network that stops answering mid-run is TIMEOUT, then a new connection recovers", async () => {
		const s = schema();
		const target = new URL(PG_URL);
		let frozen = false;
		const sockets = new Set<Socket>();
		const proxy = createServer((inbound) => {
			const outbound = connect(Number(target.port || 5432), target.hostname);
			for (const sock of [inbound, outbound]) {
				sockets.add(sock);
				sock.on("error", () => undefined);
			}
			inbound.on("data", (d) => frozen || outbound.write(d));
			outbound.on("data", (d) => frozen || inbound.write(d));
			inbound.on("close", () => outbound.destroy());
			outbound.on("close", () => inbound.destroy());
		});
		await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
		const via = new URL(PG_URL);
		via.port = String((proxy.address() as AddressInfo).port);
		try {
			const b = await PostgresSessionBackend.open({
				connectionString: via.toString(),
				schema: s,
				statementTimeoutMs: 500,
				lock: false,
			});
			await b.save(sampleSession());
			frozen = true;
			const started = Date.now();
			await expect(b.setHomeDc(4)).rejects.toSatisfy((e) => isSessionError(e, "TIMEOUT"));
			expect(Date.now() - started).toBeLessThan(10_000);
			frozen = false;
			for (const sock of sockets) sock.destroy(); // the stuck connections die
			sockets.clear();
			await b.setHomeDc(3);
			assertSameSession(await b.load(), { ...sampleSession(), homeDcId: 3 });
			await b.close();
		} finally {
			for (const sock of sockets) sock.destroy();
			proxy.close();
		}
	}, 30_000);

	it("the server restarted mid-run: typed errors, then recovery, nothing acknowledged lost", async (ctx) => {
		const cluster = await startPrivateCluster();
		if (!cluster) return ctx.skip(); // no server binaries to run a cluster of our own
		try {
			const b = await PostgresSessionBackend.open({ connectionString: cluster.url, schema: "xs" });
			await b.save(sampleSession());
			await b.setHomeDc(5);
			const batch = testPeers(50_000, 6).map((p) => ({ ...p, id: p.id + 9_000_000n }));
			const inflight = b.cachePeers(batch).then(
				() => "acknowledged",
				(e: unknown) => e,
			);
			cluster.stop();
			const outcome = await inflight;
			if (outcome !== "acknowledged") expect(isSessionError(outcome, "CONNECTION")).toBe(true);
			const down = await b.setHomeDc(6).catch((e: unknown) => e);
			expect(isSessionError(down, "CONNECTION")).toBe(true);
			cluster.start();
			// the pool may still hand out a connection the restart broke: a typed error, then it works
			let last: unknown;
			for (let i = 0; i < 5; i++) {
				last = await b.setHomeDc(7).then(
					() => undefined,
					(e: unknown) => e,
				);
				if (last === undefined) break;
				expect(isSessionError(last, "CONNECTION")).toBe(true);
			}
			expect(last).toBeUndefined();
			const loaded = await b.load();
			expect(loaded?.homeDcId).toBe(7);
			const extra = outcome === "acknowledged" ? batch.length : 0;
			expect(loaded?.peers.length).toBe(sampleSession().peers.length + extra);
			await b.close();
		} finally {
			cluster.destroy();
		}
	}, 60_000);

	it("sessions are listed and deleted; an open one cannot be deleted", async () => {
		const s = schema();
		const connect = { connectionString: PG_URL, schema: s };
		const a = await PostgresSessionBackend.open({ ...connect, sessionId: "alice" });
		const c = await PostgresSessionBackend.open({ ...connect, sessionId: "carol" });
		await a.save(sampleSession(1));
		await c.save(sampleSession(2));
		expect(await PostgresSessionBackend.listSessions(connect)).toEqual(["alice", "carol"]);
		await expect(PostgresSessionBackend.deleteSession(connect, "alice")).rejects.toBeInstanceOf(
			SessionLockedError,
		);
		await a.close();
		expect(await PostgresSessionBackend.deleteSession(connect, "alice")).toBe(true);
		expect(await PostgresSessionBackend.listSessions(connect)).toEqual(["carol"]);
		await c.close();
	});
});
