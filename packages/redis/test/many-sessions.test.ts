// Thousands of sessions in one process (#31): one client per server shared by every session opened
// with the same url, one set of listeners per client, one lease renewal per server per interval,
// and no lease lost under sustained load. Counts come from the servers themselves (CLIENT LIST,
// INFO commandstats) of private servers this file starts, so no other test's traffic is counted.
import { inspect } from "node:util";
import { SessionConnectionError, SessionLockedError } from "@x/session-core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisSessionBackend, type RedisSessionOptions } from "../src/index.js";
import {
	type OwnCluster,
	type OwnServer,
	randomPrefix,
	redisServerAvailable,
	startCluster,
	startServer,
} from "./servers.js";

const available = await redisServerAvailable();
const N = 1000;

let server: OwnServer;
let admin: Redis;
let url: string;

beforeAll(async () => {
	if (!available) return;
	server = await startServer();
	admin = new Redis({ host: "127.0.0.1", port: server.port });
	url = `redis://127.0.0.1:${server.port}`;
}, 30_000);

afterAll(async () => {
	admin?.disconnect();
	await server?.destroy();
});

/** The connections named `name` the server has now. */
async function connections(on: Redis, name: string): Promise<number> {
	const list = String(await on.client("LIST"));
	return list.split("\n").filter((l) => l.includes(` name=${name} `)).length;
}

/** Waits (bounded) until `check` holds; the assertion after it says what failed. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** EVAL + EVALSHA calls the server has run so far (every lease script is one of them). */
async function scriptCalls(on: Redis): Promise<number> {
	const stats = String(await on.info("commandstats"));
	const calls = (cmd: string) =>
		Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
	return calls("eval") + calls("evalsha");
}

/** Opens `count` sessions, 100 at a time. */
async function openMany(
	count: number,
	options: (i: number) => RedisSessionOptions,
): Promise<RedisSessionBackend[]> {
	const out: RedisSessionBackend[] = [];
	for (let o = 0; o < count; o += 100) {
		const batch = [];
		for (let i = o; i < Math.min(count, o + 100); i++)
			batch.push(RedisSessionBackend.open(options(i)));
		out.push(...(await Promise.all(batch)));
	}
	return out;
}

/** The stored lease of a session (value, and its fencing counter). */
async function storedLease(on: Redis, b: RedisSessionBackend) {
	const [value, fence, pttl] = await Promise.all([
		on.get(b.keys.lease),
		on.get(b.keys.fence),
		on.pttl(b.keys.lease),
	]);
	return { value, fence, pttl };
}

describe.skipIf(!available)("many sessions in one process", () => {
	it("1000 sessions on one caller's client add one set of listeners (no MaxListenersExceededWarning) and leave the client open", async () => {
		const client = new Redis(url);
		const warnings: Error[] = [];
		const onWarning = (w: Error) => warnings.push(w);
		process.on("warning", onWarning);
		try {
			const before = ["error", "ready", "end"].map((e) => client.listenerCount(e));
			const prefix = randomPrefix();
			const stores = await openMany(N, (i) => ({ client, prefix, sessionId: `acc-${i}` }));
			await Promise.all(stores.map((s) => s.applyUpdateState({ type: "secondary", qts: 1 })));
			expect(client.listenerCount("error")).toBe((before[0] as number) + 1);
			expect(client.listenerCount("ready")).toBe((before[1] as number) + 1);
			await Promise.all(stores.map((s) => s.close()));
			// let a warning emitted during the run reach its listener (it is emitted on the next tick)
			await new Promise((r) => setImmediate(r));
			expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
			expect(["error", "ready", "end"].map((e) => client.listenerCount(e))).toEqual(before);
			// a caller's client is never closed by the backend
			expect(client.status).toBe("ready");
			expect(await client.ping()).toBe("PONG");
			expect(await admin.exists(`${prefix}:{acc-0}:lease`)).toBe(0);
		} finally {
			process.off("warning", onWarning);
			client.disconnect();
		}
	}, 120_000);

	it("1000 sessions opened with the same url share one connection, closed with the last session", async () => {
		const prefix = randomPrefix();
		const name = `xs-many-${prefix}`;
		const options = (i: number): RedisSessionOptions => ({
			url,
			redisOptions: { connectionName: name },
			prefix,
			sessionId: `acc-${i}`,
		});
		const stores = await openMany(N, options);
		expect(await connections(admin, name)).toBe(1);
		// other options are another client
		const other = await RedisSessionBackend.open({
			url,
			redisOptions: { connectionName: `${name}-b` },
			prefix,
			sessionId: "other",
		});
		expect(await connections(admin, `${name}-b`)).toBe(1);
		await other.close();
		const last = stores.pop() as RedisSessionBackend;
		await Promise.all(stores.map((s) => s.close()));
		expect(await connections(admin, name)).toBe(1);
		await last.applyUpdateState({ type: "secondary", qts: 7 });
		expect((await last.load())?.updatesState.qts).toBe(7);
		await last.close();
		await eventually(async () => (await connections(admin, name)) === 0);
		expect(await connections(admin, name)).toBe(0);
		expect(await connections(admin, `${name}-b`)).toBe(0);
		// nothing left behind: the next open makes a new client
		const again = await RedisSessionBackend.open(options(0));
		expect(await connections(admin, name)).toBe(1);
		await again.close();
	}, 120_000);

	it("1000 leases are renewed by one script per interval, and none is lost under sustained writes", async () => {
		const prefix = randomPrefix();
		// renewed every 1.3 s: a margin for a machine so busy that timers fire a second late (the
		// sessions' own writes lag this process's event loop by ~0.3 s on a quiet 2-core machine)
		const ttl = 4000;
		const stores = await openMany(N, (i) => ({
			url,
			prefix,
			sessionId: `acc-${i}`,
			leaseTtlMs: ttl,
		}));
		const tokens = stores.map((s) => s.fencingToken);
		try {
			// idle: every script the server runs now is a renewal
			const idleFrom = await scriptCalls(admin);
			const idleStart = Date.now();
			await new Promise((r) => setTimeout(r, ttl));
			const idleScripts = (await scriptCalls(admin)) - idleFrom;
			const intervals = Math.ceil((Date.now() - idleStart) / (ttl / 3));
			// one per interval (a tick may fall on either side of the window): not one per lease
			expect(idleScripts).toBeGreaterThanOrEqual(1);
			expect(idleScripts).toBeLessThanOrEqual(intervals + 1);

			// sustained closed-loop writes on every session for two TTLs
			const until = Date.now() + 2 * ttl;
			let done = 0;
			const failures: unknown[] = [];
			await Promise.all(
				stores.map(async (s, i) => {
					for (let n = 0; Date.now() < until; n++) {
						try {
							if (n % 10 === 9)
								await s.cachePeers(
									Array.from({ length: 10 }, (_, k) => ({
										kind: "user" as const,
										id: BigInt(i * 1000 + k + 1),
										accessHash: BigInt(n),
										channelKind: null,
									})),
								);
							else await s.applyUpdateState({ type: "secondary", qts: n });
							done++;
						} catch (e) {
							failures.push(e);
							return;
						}
					}
				}),
			);
			expect(failures).toEqual([]);
			expect(done).toBeGreaterThan(N);
			// every lease is still this process's, with the token it was opened with
			const leases = await Promise.all(stores.map((s) => storedLease(admin, s)));
			leases.forEach((l, i) => {
				expect(l.fence).toBe(tokens[i]);
				expect(l.value).toContain(`|${tokens[i]}|${process.pid}|`);
				expect(l.pttl).toBeGreaterThan(0);
			});
		} finally {
			await Promise.all(stores.map((s) => s.close()));
		}
	}, 180_000);

	it("a lease taken over is found by the shared renewal and reported on that session only", async () => {
		const prefix = randomPrefix();
		const ttl = 3000;
		const stores = await openMany(50, (i) => ({
			url,
			prefix,
			sessionId: `acc-${i}`,
			leaseTtlMs: ttl,
		}));
		try {
			const victim = stores[7] as RedisSessionBackend;
			const original = await storedLease(admin, victim);
			// another holder takes it over (new token), then the keys are put back as they were:
			// only a renewal that ran meanwhile can have seen the takeover
			await admin.set(victim.keys.lease, "xs1|999999|1|elsewhere|thief", "PX", ttl);
			await admin.set(victim.keys.fence, "999999");
			const from = await scriptCalls(admin);
			await eventually(async () => (await scriptCalls(admin)) >= from + 2);
			await admin.set(victim.keys.fence, String(original.fence));
			await admin.set(victim.keys.lease, String(original.value), "PX", ttl);
			const write = victim.applyUpdateState({ type: "secondary", qts: 1 });
			await expect(write).rejects.toBeInstanceOf(SessionLockedError);
			await expect(write).rejects.toThrow(/another holder took over/);
			// the other sessions go on
			await Promise.all(
				stores
					.filter((s) => s !== victim)
					.map((s) => s.applyUpdateState({ type: "secondary", qts: 2 })),
			);
		} finally {
			await Promise.all(stores.map((s) => s.close()));
		}
	}, 60_000);

	it("leases on a client with a keyPrefix are renewed under that prefix", async () => {
		const keyPrefix = `${randomPrefix()}/`;
		const client = new Redis(url, { keyPrefix });
		const ttl = 1500;
		try {
			const stores = await openMany(20, (i) => ({
				client,
				sessionId: `acc-${i}`,
				leaseTtlMs: ttl,
			}));
			// past several TTLs: only renewals of the prefixed keys keep them
			await new Promise((r) => setTimeout(r, 2 * ttl));
			for (const s of stores) {
				expect(await admin.pttl(keyPrefix + s.keys.lease)).toBeGreaterThan(0);
				await s.applyUpdateState({ type: "secondary", qts: 1 });
			}
			expect(await admin.exists(stores[0]?.keys.lease as string)).toBe(0);
			await Promise.all(stores.map((s) => s.close()));
		} finally {
			client.disconnect();
		}
	}, 60_000);

	it("a url's password is in no message, inspect or JSON of the backend", async () => {
		const password = "s3cret-many-accounts";
		const guarded = await startServer([], { password });
		try {
			const prefix = randomPrefix();
			const b = await RedisSessionBackend.open({
				url: `redis://:${password}@127.0.0.1:${guarded.port}`,
				prefix,
			});
			expect(inspect(b, { depth: 10, showHidden: true })).not.toContain(password);
			expect(JSON.stringify(b)).not.toContain(password);
			await b.close();
			const wrong = RedisSessionBackend.open({
				url: `redis://:wrong-${password}@127.0.0.1:${guarded.port}`,
				prefix,
				commandTimeout: 2000,
			});
			const error = await wrong.catch((e: unknown) => e as SessionConnectionError);
			expect(error).toBeInstanceOf(SessionConnectionError);
			expect((error as SessionConnectionError).code).toBe("AUTH");
			expect(inspect(error)).not.toContain(password);
			await expect(
				RedisSessionBackend.open({ url: `http://:${password}@127.0.0.1:1`, prefix }),
			).rejects.toThrow(/redis:\/\/ or rediss:\/\//);
			await expect(
				RedisSessionBackend.open({ url: `http://:${password}@127.0.0.1:1`, prefix }),
			).rejects.not.toThrow(password);
		} finally {
			await guarded.destroy();
		}
	}, 60_000);

	it("listSessions and deleteSession take a url too, and leave no connection behind", async () => {
		const prefix = randomPrefix();
		const name = `xs-list-${prefix}`;
		const location = { url, redisOptions: { connectionName: name }, prefix };
		const stores = await openMany(3, (i) => ({ ...location, sessionId: `acc-${i}` }));
		await Promise.all(stores.map((s) => s.applyUpdateState({ type: "secondary", qts: 1 })));
		// while sessions are open, the listing shares their client
		expect((await RedisSessionBackend.listSessions(location)).sort()).toEqual([
			"acc-0",
			"acc-1",
			"acc-2",
		]);
		expect(await connections(admin, name)).toBe(1);
		await expect(RedisSessionBackend.deleteSession(location, "acc-0")).rejects.toBeInstanceOf(
			SessionLockedError,
		);
		await Promise.all(stores.map((s) => s.close()));
		await eventually(async () => (await connections(admin, name)) === 0);
		expect(await RedisSessionBackend.deleteSession(location, "acc-0")).toBe(true);
		expect((await RedisSessionBackend.listSessions(location)).sort()).toEqual(["acc-1", "acc-2"]);
		await eventually(async () => (await connections(admin, name)) === 0);
		expect(await connections(admin, name)).toBe(0);
	}, 60_000);

	it("refuses no target, or several", async () => {
		await expect(RedisSessionBackend.open({} as RedisSessionOptions)).rejects.toThrow(
			/url .*cluster .*client/,
		);
		await expect(
			RedisSessionBackend.open({ url, client: admin } as RedisSessionOptions),
		).rejects.toThrow(/one of client, url and cluster/);
	});
});

describe.skipIf(!available)("many sessions on a Redis Cluster", () => {
	let cluster: OwnCluster;
	let admins: Redis[] = [];
	const nodes = () => cluster.servers.map((s) => ({ host: "127.0.0.1", port: s.port }));

	beforeAll(async () => {
		cluster = await startCluster();
		admins = cluster.servers.map((s) => new Redis({ host: "127.0.0.1", port: s.port }));
		for (const a of admins) a.on("error", () => undefined); // one of them is killed below
	}, 60_000);

	afterAll(async () => {
		for (const a of admins) a.disconnect();
		await cluster?.destroy();
	});

	it("sessions share one connection per node, and each master renews its leases with one script per interval", async () => {
		const prefix = randomPrefix();
		const name = `xs-many-${prefix}`;
		const ttl = 3000;
		const stores = await openMany(300, (i) => ({
			cluster: { nodes: nodes(), options: { redisOptions: { connectionName: name } } },
			prefix,
			sessionId: `acc-${i}`,
			leaseTtlMs: ttl,
		}));
		try {
			// the sessions spread over the three masters
			const per = await Promise.all(admins.map((a) => a.dbsize()));
			expect(per.every((n) => n > 0)).toBe(true);
			for (const a of admins) expect(await connections(a, name)).toBe(1);
			const from = await Promise.all(admins.map((a) => scriptCalls(a)));
			const start = Date.now();
			await new Promise((r) => setTimeout(r, ttl));
			const scripts = (await Promise.all(admins.map((a) => scriptCalls(a)))).map(
				(n, i) => n - (from[i] as number),
			);
			const intervals = Math.ceil((Date.now() - start) / (ttl / 3));
			for (const n of scripts) {
				expect(n).toBeGreaterThanOrEqual(1);
				expect(n).toBeLessThanOrEqual(intervals + 1);
			}
			await Promise.all(stores.map((s) => s.applyUpdateState({ type: "secondary", qts: 3 })));
			const leases = await Promise.all(
				stores.map((s) =>
					Promise.all(admins.map((a) => a.get(s.keys.fence).catch(() => null))).then((f) =>
						f.find((v) => v !== null),
					),
				),
			);
			leases.forEach((fence, i) => {
				expect(fence).toBe(stores[i]?.fencingToken);
			});
		} finally {
			await Promise.all(stores.map((s) => s.close()));
		}
		await eventually(async () => (await connections(admins[0] as Redis, name)) === 0);
		for (const a of admins) expect(await connections(a, name)).toBe(0);
	}, 120_000);

	it("opens that meet a cluster down or unreachable reject with SessionConnectionError", async () => {
		const unreachable = await Promise.allSettled(
			Array.from({ length: 100 }, (_, i) =>
				RedisSessionBackend.open({
					cluster: { nodes: [{ host: "127.0.0.1", port: 1 }] },
					sessionId: `u${i}`,
					commandTimeout: 1500,
				}),
			),
		);
		for (const r of unreachable) {
			expect(r.status).toBe("rejected");
			if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SessionConnectionError);
		}
		// one master gone (its slots have no replica): its sessions' opens are refused, typed
		await cluster.servers[0]?.kill();
		const prefix = randomPrefix();
		const results = await Promise.allSettled(
			Array.from({ length: 200 }, (_, i) =>
				RedisSessionBackend.open({
					cluster: { nodes: nodes() },
					prefix,
					sessionId: `k${i}`,
					commandTimeout: 1500,
				}),
			),
		);
		const opened = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
		const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
		expect(refused.length).toBeGreaterThan(0);
		for (const e of refused) expect(e).toBeInstanceOf(SessionConnectionError);
		await Promise.allSettled(opened.map((s) => s.close()));
	}, 120_000);
});
