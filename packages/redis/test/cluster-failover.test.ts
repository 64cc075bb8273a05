// Failovers on a real 3-master + 3-replica Redis Cluster (started here, node timeout 1 s), with
// the default options: one writer and one fencing token whatever the cluster does. Each
// scenario runs several times; each run checks, once the cluster has settled, that no two
// holders had writes acknowledged at once, that no acknowledged write was lost and that no
// fencing token was handed out twice (see failover-ledger.ts). Every step of a run is bounded
// (Ledger.within), and a failed run shows its timeline: what was done when, and each holder's
// acknowledged and failed writes.
import type { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisDurabilityError, RedisSessionBackend } from "../src/index.js";
import { type Holder, Ledger } from "./failover-ledger.js";
import { type ClusterNode, ReplicatedCluster } from "./replicated-cluster.js";
import { randomPrefix, redisServerAvailable } from "./servers.js";

const available = await redisServerAvailable();
const RUNS = 3;
const TTL = 1500;

let cluster: ReplicatedCluster;
const clients: Cluster[] = [];
let ledger: Ledger | undefined;

beforeAll(async () => {
	if (available) cluster = await ReplicatedCluster.start();
}, 60_000);

afterEach(async () => {
	await ledger?.closeAll();
	ledger = undefined;
	for (const c of clients.splice(0)) c.disconnect();
});

afterAll(async () => {
	await cluster?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A client of the cluster, disconnected after the test, once it has its slot map (within 10 s).
 * No PING: it would go to any master, maybe a paused one, and wait until it is resumed. For the
 * same reason clients are made before a node is paused: ioredis's ready check (CLUSTER INFO)
 * goes to any node too.
 */
async function client(options: Parameters<ReplicatedCluster["client"]>[0] = {}): Promise<Cluster> {
	const c = cluster.client(options);
	clients.push(c);
	if (c.status !== "ready") {
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`client not ready: ${c.status}`)), 10_000);
			c.once("ready", () => {
				clearTimeout(timer);
				resolve();
			});
		});
	}
	return c;
}

/** One run of a scenario: when it fails, the error shows the run's timeline. */
async function run(name: string, body: () => Promise<void>): Promise<void> {
	try {
		await body();
	} catch (e) {
		const timeline = ledger?.timeline() ?? "(no ledger)";
		if (e instanceof Error) e.message = `${name}: ${e.message}\ntimeline (ms):\n${timeline}`;
		throw e;
	}
}

/** A fresh session, and the nodes serving its slot now. */
async function session(): Promise<{ ledger: Ledger; master: ClusterNode; replica: ClusterNode }> {
	await cluster.settle();
	ledger = new Ledger(randomPrefix(), "acc");
	const roles = await cluster.roles(`${ledger.prefix}:{acc}:lease`);
	ledger.note(`master :${roles.master.port}, replica :${roles.replica.port}`);
	return { ledger, ...roles };
}

/**
 * Holder A, writing without pause; then its master's replica stops following (lags), so what
 * the master takes from then on is on the master only unless the replica wait holds it back.
 */
async function writingWithLaggingReplica(l: Ledger, master: ClusterNode): Promise<Holder> {
	const a = await l.within(10_000, "A opens", l.open("A", await client(), { leaseTtlMs: TTL }));
	l.startWriting(a);
	await sleep(300);
	await l.within(10_000, "replication cut", cluster.cutReplication(master));
	await sleep(150);
	return a;
}

/** A contender opening with lockWaitMs (its rejection is handled where it is awaited). */
function contender(l: Ledger, name: string, c: Cluster): Promise<Holder> {
	const opening = l.open(name, c, { lockWaitMs: 30_000 });
	opening.catch(() => undefined);
	return opening;
}

/** `replica` becomes master of the session's slot (within 20 s). */
async function promoted(l: Ledger, replica: ClusterNode): Promise<void> {
	await l.within(
		25_000,
		"replica promoted",
		cluster.waitMaster(replica, `${l.prefix}:{acc}:lease`),
	);
}

/** The contender gets the session and writes; the run is checked; its writes were acknowledged. */
async function takesOverAndWrites(l: Ledger, stale: Holder, opening: Promise<Holder>) {
	const b = await l.within(40_000, "B opens", opening);
	l.startWriting(b);
	await l.within(20_000, "B's first write", l.acksAbove(b, 0));
	await settleAndCheck(l, stale);
	expect(b.acks.length, b.failures.join("\n")).toBeGreaterThan(0);
}

/**
 * After the run: settle, have the stale holder (if still connected) told that another holder
 * took over, and check the ledger.
 */
async function settleAndCheck(l: Ledger, stale?: Holder): Promise<void> {
	await l.within(15_000, "writers stop", l.stopAll());
	await l.within(35_000, "cluster settles", cluster.settle());
	if (stale) {
		const err = await l.within(
			15_000,
			`${stale.name} writes once more`,
			stale.backend.setHomeDc(9).catch((e: unknown) => e),
		);
		expect((err as Error).message).toMatch(/another holder took over this session/);
	}
	await l.within(20_000, "holders close", l.closeAll());
	await l.within(
		30_000,
		"ledger check",
		client().then((c) => l.check(c)),
	);
}

describe.skipIf(!available)("redis cluster failover with replicas (default options)", () => {
	it("on a cluster with replicas the default waits for one replica", async () => {
		const { ledger: l } = await session();
		// a TTL that outlasts the test: the point is the writes' waits, not the lease's
		const a = await l.open("A", await client(), { leaseTtlMs: 60_000 });
		expect(a.backend.waitForReplicas).toEqual({ replicas: 1, timeoutMs: 1000 });
		const none = await RedisSessionBackend.open({
			client: await client(),
			prefix: l.prefix,
			sessionId: "other",
			waitForReplicas: false,
		});
		expect(none.waitForReplicas).toBeUndefined();
		await none.close();
		// a transaction (its WAIT goes after EXEC) and a staged save are confirmed too
		const peers = Array.from({ length: 2500 }, (_, i) => ({
			kind: "user" as const,
			id: BigInt(i + 1),
			accessHash: 7n,
			channelKind: null,
		}));
		await a.backend.applyChanges({ peers, homeDcId: 2 });
		const loaded = await a.backend.load();
		expect(loaded?.peers).toHaveLength(2500);
		await a.backend.save({ ...(loaded as NonNullable<typeof loaded>), homeDcId: 4 });
		// with the replica cut off, nothing is confirmed: the same calls reject, typed
		const { master } = await cluster.roles(`${l.prefix}:{acc}:lease`);
		await cluster.cutReplication(master);
		await expect(a.backend.applyChanges({ peers, homeDcId: 3 })).rejects.toBeInstanceOf(
			RedisDurabilityError,
		);
		await expect(a.backend.setHomeDc(5)).rejects.toBeInstanceOf(RedisDurabilityError);
		await cluster.settle();
	});

	it("deleteSession outside an open backend waits for a replica too", async () => {
		const { ledger: l } = await session();
		const location = { client: await client(), prefix: l.prefix };
		for (const id of ["gone", "kept"]) {
			const b = await RedisSessionBackend.open({ ...location, sessionId: id });
			await b.setHomeDc(2);
			await b.close();
		}
		expect(await RedisSessionBackend.deleteSession(location, "gone")).toBe(true);
		expect(await RedisSessionBackend.listSessions(location)).toEqual(["kept"]);
		// with the replica cut off the deletion is not confirmed: typed, and says so
		const { master } = await cluster.roles(`${l.prefix}:{kept}:lease`);
		await cluster.cutReplication(master);
		const refused = RedisSessionBackend.deleteSession(location, "kept");
		await expect(refused).rejects.toBeInstanceOf(RedisDurabilityError);
		await expect(refused).rejects.toThrow(/not confirmed in time \(0 of 1 replicas\)/);
		// waitForReplicas: false waits for nothing (the session is gone on the master already)
		expect(
			await RedisSessionBackend.deleteSession({ ...location, waitForReplicas: false }, "kept"),
		).toBe(false);
		await cluster.settle();
		expect(await RedisSessionBackend.listSessions(location)).toEqual([]);
	});

	it("a write during a slot migration goes to the importing master (ASK, then ASKING), confirmed by its replica", async () => {
		const { ledger: l, master } = await session();
		const key = `${l.prefix}:{acc}:lease`;
		// a TTL no renewal is due within: the lease's own writes are tested, not the renewer's
		const a = await l.open("A", await client(), { leaseTtlMs: 30_000 });
		expect(await l.write(a, 0)).toBe(true);
		const to = (await cluster.masters()).find((n) => n !== master) as ClusterNode;
		const { slot, from } = await l.within(15_000, "keys moved", cluster.startMigration(key, to));
		l.note(`slot ${slot}: keys moved from :${from.port} to :${to.port}, migration open`);
		// the source answers ASK for every key of the session until the migration ends
		expect(await l.write(a, 1), a.failures.join("\n")).toBe(true);
		expect(await l.write(a, 2), a.failures.join("\n")).toBe(true);
		await cluster.finishMigration(slot, from, to);
		expect(await l.write(a, 3), a.failures.join("\n")).toBe(true); // MOVED from now on
		await l.within(20_000, "holders close", l.closeAll());
		await l.within(35_000, "cluster settles", cluster.settle());
		await l.within(
			30_000,
			"ledger check",
			client().then((c) => l.check(c)),
		);
		expect(a.acks.map((x) => x.field)).toHaveLength(4);
	});

	it(`master SIGKILLed, replica promoted (${RUNS} runs)`, async () => {
		for (let i = 0; i < RUNS; i++) {
			await run(`run ${i + 1}`, async () => {
				const { ledger: l, master, replica } = await session();
				const a = await writingWithLaggingReplica(l, master);
				const bClient = await client();
				await l.within(10_000, "master killed", cluster.kill(master));
				const b = contender(l, "B", bClient);
				await promoted(l, replica);
				await sleep(TTL);
				// it comes back as the new master's replica
				await l.within(20_000, "old master restarted", cluster.restart(master));
				await takesOverAndWrites(l, a, b);
			});
		}
	}, 240_000);

	for (const mode of ["TAKEOVER", "FORCE"] as const) {
		it(`master paused, CLUSTER FAILOVER ${mode} on its replica, old master resumed (${RUNS} runs)`, async () => {
			for (let i = 0; i < RUNS; i++) {
				await run(`run ${i + 1}`, async () => {
					const { ledger: l, master, replica } = await session();
					const a = await writingWithLaggingReplica(l, master);
					const bClient = await client();
					cluster.pause(master); // A's writes and renewals queue up in its socket
					l.note("old master paused");
					await l.within(10_000, `CLUSTER FAILOVER ${mode}`, cluster.failover(replica, mode));
					await promoted(l, replica);
					const b = contender(l, "B", bClient);
					await sleep(TTL + 500); // A's lease runs out on the new master
					cluster.resumeNow(master); // runs A's queued commands, then learns it was replaced
					l.note("old master resumed");
					await takesOverAndWrites(l, a, b);
				});
			}
		}, 240_000);
	}

	it(`a contender routed to the paused old master after the holder died (${RUNS} runs)`, async () => {
		for (let i = 0; i < RUNS; i++) {
			await run(`run ${i + 1}`, async () => {
				const { ledger: l, master, replica } = await session();
				const holderClient = await client();
				const a = await l.open("A", holderClient, { leaseTtlMs: TTL });
				await l.write(a, 0);
				holderClient.disconnect(); // A dies holding the lease
				l.note("A's client disconnected");
				// C's slot map still says the old master (no periodic refresh)
				const stale = await client({ slotsRefreshInterval: 0 } as never);
				const dClient = await client();
				// its connection to the master is up
				await l.within(
					10_000,
					"C's client reaches the master",
					stale.get(`${l.prefix}:{acc}:lease`),
				);
				cluster.pause(master);
				l.note("old master paused");
				// C's acquire reaches the paused master first, and runs there when it resumes, after
				// A's lease ran out and before it hears that its replica took over (its default wait
				// comes from its slot map: no command that could wait on the paused node)
				const c = l.open("C", stale, { lockWaitMs: 30_000, commandTimeout: 10_000 });
				c.catch(() => undefined); // awaited below
				await sleep(100);
				await l.within(10_000, "CLUSTER FAILOVER TAKEOVER", cluster.failover(replica, "TAKEOVER"));
				await promoted(l, replica);
				const d = l.open("D", dClient, { lockWaitMs: 30_000 });
				d.catch(() => undefined); // awaited below
				await sleep(TTL + 200); // A's lease has run out everywhere
				cluster.resumeNow(master);
				l.note("old master resumed");
				const first = await l.within(40_000, "C or D opens", Promise.race([c, d]));
				await l.write(first, 1);
				await l.write(first, 2);
				await l.within(15_000, `${first.name} closes`, first.backend.close()); // the other one gets it now
				const second = await l.within(40_000, "the other opens", first.name === "C" ? d : c);
				await l.write(second, 1);
				await settleAndCheck(l);
				expect(second.acks.length, second.failures.join("\n")).toBeGreaterThan(0);
			});
		}
	}, 240_000);

	it(`planned CLUSTER FAILOVER: writes go on at the new master, with and without the lease (${RUNS} runs)`, async () => {
		for (let i = 0; i < RUNS; i++) {
			await run(`run ${i + 1}`, async () => {
				const { ledger: l, replica } = await session();
				// the lease must outlive the failover: renewals wait behind writes whose WAIT blocks
				// (up to timeoutMs each) until the old master follows the new one
				const a = await l.open("A", await client(), { leaseTtlMs: 6000 });
				const unlocked = await l.open("U", await client(), { lock: false });
				l.startWriting(a);
				l.startWriting(unlocked);
				await sleep(300);
				await l.within(10_000, "CLUSTER FAILOVER", cluster.failover(replica));
				await promoted(l, replica);
				const [aBefore, uBefore] = [a.acks.length, unlocked.acks.length];
				await l.within(20_000, "A writes on", l.acksAbove(a, aBefore));
				await l.within(20_000, "U writes on", l.acksAbove(unlocked, uBefore));
				// both kept writing at the new master (redirects followed, WAIT on its connection)
				expect(a.acks.length, a.failures.join("\n")).toBeGreaterThan(aBefore);
				expect(unlocked.acks.length, unlocked.failures.join("\n")).toBeGreaterThan(uBefore);
				expect(a.failures.filter((c) => c.startsWith("LOCKED"))).toEqual([]);
				await l.within(20_000, "holders close", l.closeAll());
				await l.within(35_000, "cluster settles", cluster.settle());
				await l.within(
					30_000,
					"ledger check",
					client().then((c) => l.check(c)),
				);
			});
		}
	}, 240_000);
});
