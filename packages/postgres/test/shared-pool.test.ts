// Many accounts in one process: the default API shares one pool per database, a server out of
// connection slots is a typed error that says what to do, and a caller's pool is used as it is.
import { inspect } from "node:util";
import { isSessionError, SessionConnectionError, SessionLockedError } from "@x/session-core";
import { sampleSession, testPeers } from "@x/session-core/testing";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresSessionBackend } from "../src/index.js";
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

/** Server connections with this application_name (ours only: other tests share the server). */
async function connectionsOf(app: string): Promise<number> {
	const { rows } = await adminQuery(
		"SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
		[app],
	);
	return rows[0].n;
}

/** The count once the server has seen the pool's connections end (a backend exits after its client). */
async function settledConnectionsOf(app: string): Promise<number> {
	for (let i = 0; i < 50; i++) {
		const n = await connectionsOf(app);
		if (n === 0) return 0;
		await new Promise((r) => setTimeout(r, 100));
	}
	return connectionsOf(app);
}

describe.skipIf(!available)("postgres: many sessions in one process", () => {
	it("1000 sessions opened with a connection string share one pool: the server sees its size, all work, all released on close", async () => {
		const s = schema();
		const app = `xs-many-${s}`;
		const options = { connectionString: PG_URL, schema: s, applicationName: app };
		const sessions = [];
		// opened in waves of 100 at once, as a host starting its accounts would
		for (let wave = 0; wave < 10; wave++)
			sessions.push(
				...(await Promise.all(
					Array.from({ length: 100 }, (_, i) =>
						PostgresSessionBackend.open({ ...options, sessionId: `a${wave * 100 + i}` }),
					),
				)),
			);
		await Promise.all(
			sessions.map((b, i) => b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i })),
		);
		const during = await connectionsOf(app);
		expect(during).toBeGreaterThan(0);
		expect(during).toBeLessThanOrEqual(11); // poolSize and the renewals' one, not one per session
		const states = await Promise.all(sessions.map((b) => b.load()));
		expect(states.map((st) => st?.updatesState.pts)).toEqual(sessions.map((_, i) => i));
		expect(await PostgresSessionBackend.listSessions(options)).toHaveLength(1000);
		await Promise.all(sessions.map((b) => b.close()));
		expect(await settledConnectionsOf(app)).toBe(0);
		const leases = await adminQuery(`SELECT count(*)::int AS n FROM "${s}".xs_leases`);
		expect(leases.rows[0].n).toBe(0);
	}, 180_000);

	it("a session closed while others stay open keeps the pool; the next open after the last close makes a new one", async () => {
		const s = schema();
		const app = `xs-refs-${s}`;
		const options = { connectionString: PG_URL, schema: s, applicationName: app };
		const a = await PostgresSessionBackend.open({ ...options, sessionId: "a" });
		const b = await PostgresSessionBackend.open({ ...options, sessionId: "b" });
		await a.close();
		await b.setHomeDc(2); // the pool a opened is b's too: still usable
		await b.close();
		expect(await settledConnectionsOf(app)).toBe(0);
		const c = await PostgresSessionBackend.open({ ...options, sessionId: "b" });
		expect((await c.load())?.homeDcId).toBe(2);
		await c.close();
		expect(await settledConnectionsOf(app)).toBe(0);
	});

	it("a caller's pool is used as it is: its connections keep their search_path and statement_timeout, and it is not ended", async () => {
		const s = schema();
		// one connection, whose search_path does not even name our schema: every statement of
		// ours must name its tables
		const pool = new pg.Pool({
			connectionString: PG_URL,
			max: 1,
			options: "-c search_path=nowhere_xs -c statement_timeout=4321",
		});
		cleanups.push(() => pool.end());
		const settings = async () => {
			const c = await pool.connect();
			try {
				const path = await c.query("SHOW search_path");
				const timeout = await c.query("SHOW statement_timeout");
				const tx = await c.query("SELECT now() = statement_timestamp() AS idle");
				return [path.rows[0].search_path, timeout.rows[0].statement_timeout, tx.rows[0].idle];
			} finally {
				c.release();
			}
		};
		const before = await settings();
		expect(before).toEqual(["nowhere_xs", "4321ms", true]);
		const b = await PostgresSessionBackend.open({ pool, schema: s, sessionId: "mine" });
		await b.save(sampleSession());
		const peers = testPeers(50, 3);
		await b.cachePeers(peers);
		await b.applyUpdateState({ type: "primary", pts: 5, date: 5, seq: 5 });
		await b.applyUpdateState({ type: "channel", channelId: 77n, pts: 8 });
		await b.setHomeDc(3);
		await b.setExtension("x:k", new Uint8Array([1, 2]));
		const peer = peers[7];
		if (!peer) throw new Error("no peer");
		expect((await b.getPeer(peer.kind, peer.id))?.accessHash).toBe(peer.accessHash);
		const loaded = await b.load();
		expect(loaded?.updatesState.pts).toBe(5);
		expect(loaded?.homeDcId).toBe(3);
		expect(await PostgresSessionBackend.listSessions({ pool, schema: s })).toEqual(["mine"]);
		await b.close();
		expect(await PostgresSessionBackend.deleteSession({ pool, schema: s }, "mine")).toBe(true);
		expect(await settings()).toEqual(before);
		// not ended, nothing of ours left in its connection's session state but prepared statements
		expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
	});

	it("one renewal statement per interval keeps every lease of 300 sessions alive, idle or under sustained writes", async () => {
		const s = schema();
		const options = { connectionString: PG_URL, schema: s, leaseTtlMs: 3000 };
		const sessions = await Promise.all(
			Array.from({ length: 300 }, (_, i) =>
				PostgresSessionBackend.open({ ...options, sessionId: `r${i}` }),
			),
		);
		// every UPDATE statement on xs_leases counted by the server (a statement-level trigger)
		await adminQuery(`CREATE TABLE "${s}".renewals (at timestamptz DEFAULT now())`);
		await adminQuery(`CREATE FUNCTION "${s}".count_renewal() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN INSERT INTO "${s}".renewals DEFAULT VALUES; RETURN NULL; END $$`);
		await adminQuery(`CREATE TRIGGER count_renewal AFTER UPDATE ON "${s}".xs_leases
			FOR EACH STATEMENT EXECUTE FUNCTION "${s}".count_renewal()`);
		const renewals = async () =>
			(await adminQuery(`SELECT count(*)::int AS n FROM "${s}".renewals`)).rows[0].n as number;
		const started = Date.now();
		await new Promise((r) => setTimeout(r, 4500)); // idle: only the keeper writes the leases
		const idle = await renewals();
		const intervals = (Date.now() - started) / 1000; // a third of the 3 s lease
		expect(idle).toBeGreaterThanOrEqual(2);
		expect(idle).toBeLessThanOrEqual(Math.ceil(intervals) + 2); // one per interval, not one per session (1 200)
		// sustained writes for twice the lease: no write refused, no lease run out
		const until = Date.now() + 6000;
		let writes = 0;
		await Promise.all(
			sessions.map(async (b, i) => {
				for (let n = 1; Date.now() < until; n++) {
					await b.applyUpdateState({ type: "primary", pts: n, date: i, seq: n });
					writes++;
				}
			}),
		);
		expect(writes).toBeGreaterThan(300);
		const live = await adminQuery(
			`SELECT count(*)::int AS n FROM "${s}".xs_leases WHERE expires_at > $1`,
			[Date.now()],
		);
		expect(live.rows[0].n).toBe(300);
		await Promise.all(sessions.map((b) => b.close()));
	}, 120_000);

	it("a granular write is one statement on the connection, its lease checked in it; a lost lease is still refused", async () => {
		const s = schema();
		const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
		cleanups.push(() => pool.end());
		const sent: string[] = [];
		const counted = new WeakSet<object>();
		const connect = pool.connect.bind(pool);
		// every statement our checkouts send, as text
		pool.connect = (async (...callback: unknown[]) => {
			// pool.query() checks out with a callback: passed through, not counted
			if (callback.length > 0) return (connect as (...a: unknown[]) => unknown)(...callback);
			const client = await connect();
			if (counted.has(client)) return client;
			counted.add(client);
			const query = client.query.bind(client);
			client.query = ((config: string | { text: string }, ...rest: unknown[]) => {
				sent.push(typeof config === "string" ? config : config.text);
				return (query as (...a: unknown[]) => unknown)(config, ...rest);
			}) as typeof client.query;
			return client;
		}) as typeof pool.connect;
		const b = await PostgresSessionBackend.open({ pool, schema: s });
		await b.setHomeDc(1); // the first write creates the session row (a transaction)
		sent.length = 0;
		for (let i = 1; i <= 10; i++)
			await b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
		await b.applyUpdateState({ type: "channel", channelId: 5n, pts: 3 });
		await b.setExtension("x:k", new Uint8Array([1]));
		expect(sent).toHaveLength(12);
		expect(sent.every((text) => /^WITH fence AS .*xs_leases/s.test(text))).toBe(true);
		expect((await b.load())?.updatesState).toMatchObject({
			pts: 10,
			channels: [{ channelId: 5n, pts: 3 }],
		});
		// taken over: the one-statement write does not run, the transaction says why
		await adminQuery(`UPDATE "${s}".xs_leases SET owner = 'thief'`);
		const refused = await b
			.applyUpdateState({ type: "primary", pts: 99, date: 99, seq: 99 })
			.catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(SessionLockedError);
		const [row] = (await adminQuery(`SELECT pts FROM "${s}".xs_sessions`)).rows;
		expect(row?.pts).toBe(10);
		await b.close();
	});

	it("a server out of connection slots (53300) is a SessionConnectionError that says what to do", async (ctx) => {
		const cluster = await startPrivateCluster({
			max_connections: 4,
			superuser_reserved_connections: 0,
			max_wal_senders: 0, // must stay below max_connections
		});
		if (!cluster) return ctx.skip();
		cleanups.push(async () => cluster.destroy());
		const url = new URL(cluster.url);
		url.password = "pw-secret-53300";
		// every slot taken by someone else
		const hogs = await Promise.all(
			Array.from({ length: 4 }, async () => {
				const c = new pg.Client({ connectionString: cluster.url });
				await c.connect();
				return c;
			}),
		);
		cleanups.push(() => Promise.all(hogs.map((c) => c.end())));
		const error = await PostgresSessionBackend.open({ connectionString: url.toString() }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(SessionConnectionError);
		expect(isSessionError(error, "CONNECTION")).toBe(true);
		const message = String((error as Error).message);
		expect(message).toContain("53300");
		expect(message).toMatch(/one pool/);
		expect(message).toMatch(/max_connections/);
		expect(`${message} ${inspect(error, { depth: 10 })}`).not.toContain("pw-secret");
		// a slot freed: the same call succeeds
		await hogs.pop()?.end();
		const b = await PostgresSessionBackend.open({ connectionString: url.toString() });
		await b.setHomeDc(1);
		await b.close();
	}, 60_000);
});
