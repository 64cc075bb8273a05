import { type ChildProcess, spawn } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SessionLockedError } from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisSessionBackend, type RedisSessionOptions } from "../src/index.js";
import { deletePrefix, REPO_ROOT, randomPrefix, sharedClient, TSX_LOADER } from "./servers.js";

const client = sharedClient();
const available = await serviceAvailable("redis", () => client.ping());
if (!available) client.disconnect();

const opened: RedisSessionBackend[] = [];
const prefixes: string[] = [];
const children: ChildProcess[] = [];

async function open(
	options: Partial<RedisSessionOptions> & { prefix: string },
): Promise<RedisSessionBackend> {
	if (!prefixes.includes(options.prefix)) prefixes.push(options.prefix);
	const b = await RedisSessionBackend.open({ client, ...options });
	opened.push(b);
	return b;
}

/** A child process holding the lease; `next()` reads its next stdout line. */
function child(prefix: string, sessionId: string, ttlMs: number, owner: string) {
	const p = spawn(
		process.execPath,
		[
			"--conditions=@x/source",
			"--import",
			TSX_LOADER,
			join(import.meta.dirname, "fixtures/lease-child.ts"),
			prefix,
			sessionId,
			String(ttlMs),
			owner,
		],
		{ cwd: REPO_ROOT, stdio: ["pipe", "pipe", "inherit"] },
	);
	children.push(p);
	const lines = createInterface({ input: p.stdout as NodeJS.ReadableStream })[
		Symbol.asyncIterator
	]();
	return {
		process: p,
		next: async () => String((await lines.next()).value ?? ""),
		send: (line: string) => p.stdin?.write(`${line}\n`),
		exited: new Promise<void>((ok) => (p.exitCode !== null ? ok() : p.once("exit", () => ok()))),
	};
}

afterEach(async () => {
	for (const c of children.splice(0)) {
		if (c.signalCode === null && c.exitCode === null) {
			c.kill("SIGCONT");
			c.kill("SIGKILL");
		}
	}
	await Promise.allSettled(opened.splice(0).map((b) => b.close()));
	for (const p of prefixes.splice(0)) await deletePrefix(client, p);
});
afterAll(async () => {
	if (available) await client.quit();
});

describe.skipIf(!available)("redis lease (single writer, fencing)", () => {
	it("a second open of an open session rejects at once with LOCKED, naming the holder", async () => {
		const prefix = randomPrefix();
		const a = await open({ prefix, sessionId: "s", owner: "worker-a" });
		const err = await open({ prefix, sessionId: "s" }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(SessionLockedError);
		const holder = (err as SessionLockedError).holder;
		expect(holder).toMatchObject({ pid: process.pid, host: hostname(), owner: "worker-a" });
		expect(holder?.expiresAt).toBeGreaterThan(Date.now());
		expect((err as Error).message).toContain("worker-a");
		expect(a.fencingToken).toBe("1");
		// another session under the same prefix is not affected
		await open({ prefix, sessionId: "t" });
	});

	it("contends with a real second process, and gets the session once that process closes", async () => {
		const prefix = randomPrefix();
		prefixes.push(prefix);
		const c = child(prefix, "s", 15_000, "child-proc");
		expect(await c.next()).toMatch(/^ready \d+$/);
		const err = await open({ prefix, sessionId: "s" }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(SessionLockedError);
		expect((err as SessionLockedError).holder).toMatchObject({
			pid: c.process.pid,
			owner: "child-proc",
		});
		c.send("write 3");
		expect(await c.next()).toBe("ok");
		c.send("close");
		await c.exited;
		const b = await open({ prefix, sessionId: "s" });
		expect((await b.load())?.homeDcId).toBe(3);
		expect(Number(b.fencingToken)).toBe(2);
	});

	it("a killed holder's lease expires after its TTL; lockWaitMs waits for it", async () => {
		const prefix = randomPrefix();
		prefixes.push(prefix);
		const c = child(prefix, "s", 1500, "doomed");
		expect(await c.next()).toMatch(/^ready/);
		c.process.kill("SIGKILL");
		await c.exited;
		await expect(open({ prefix, sessionId: "s" })).rejects.toBeInstanceOf(SessionLockedError);
		const b = await open({ prefix, sessionId: "s", lockWaitMs: 10_000 });
		expect(Number(b.fencingToken)).toBe(2);
	});

	it("a paused holder whose lease was taken over cannot write when it wakes up (fencing)", async () => {
		const prefix = randomPrefix();
		prefixes.push(prefix);
		const c = child(prefix, "s", 1000, "sleeper");
		expect(await c.next()).toBe("ready 1");
		c.send("write 1");
		expect(await c.next()).toBe("ok");
		c.process.kill("SIGSTOP"); // a long GC pause: no renewals
		const b = await open({ prefix, sessionId: "s", lockWaitMs: 15_000 });
		expect(b.fencingToken).toBe("2");
		await b.setHomeDc(2);
		c.process.kill("SIGCONT");
		c.send("write 99");
		expect(await c.next()).toBe("err LOCKED");
		expect((await b.load())?.homeDcId).toBe(2);
	});

	it("the server-side guard refuses a write whose lease is gone even before the holder notices", async () => {
		const prefix = randomPrefix();
		const a = await open({ prefix, sessionId: "s" });
		await a.setHomeDc(1);
		// the lease vanishes and another instance takes it (as after an expiry during a pause)
		await client.del(a.keys.lease);
		const b = await open({ prefix, sessionId: "s" });
		for (const write of [
			() => a.setHomeDc(7),
			() => a.cachePeer({ kind: "user", id: 1n, accessHash: 1n, channelKind: null }),
			() => a.delete(),
		]) {
			const err = await write().catch((e: unknown) => e);
			expect(err).toBeInstanceOf(SessionLockedError);
			expect((err as SessionLockedError).holder?.pid).toBe(process.pid);
		}
		expect((await b.load())?.homeDcId).toBe(1);
		// closing the loser does not release the winner's lease (compare-and-delete)
		await a.close();
		expect(await client.get(b.keys.lease)).toMatch(/^xs1\|2\|/);
		await b.setHomeDc(5);
		expect((await b.load())?.homeDcId).toBe(5);
	});

	it("renewal keeps the lease past its TTL; a lease that ran out is never taken back, and the session opens again with a new token", async () => {
		const prefix = randomPrefix();
		const a = await open({ prefix, sessionId: "s", leaseTtlMs: 600 });
		await new Promise((r) => setTimeout(r, 1500));
		await expect(open({ prefix, sessionId: "s" })).rejects.toBeInstanceOf(SessionLockedError);
		await a.setHomeDc(3);
		// the lease vanishes (it expired during a pause or an outage); nobody takes it
		await client.del(a.keys.lease);
		await new Promise((r) => setTimeout(r, 800)); // a few renewal ticks
		expect(await client.get(a.keys.lease)).toBeNull();
		const err = await a.setHomeDc(4).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(SessionLockedError);
		expect((err as Error).message).toMatch(/lease expired .* never taken back/);
		const b = await open({ prefix, sessionId: "s" });
		expect(b.fencingToken).toBe("2");
		expect((await b.load())?.homeDcId).toBe(3);
	});

	it("a write after this instance's own lease ran out says so (not 'held by another owner'); once another holder took over, the message says so and names it", async () => {
		const prefix = randomPrefix();
		// a long TTL: no renewal runs during the test
		const a = await open({ prefix, sessionId: "s", leaseTtlMs: 60_000 });
		await a.setHomeDc(2);
		await client.del(a.keys.lease);
		const expired = await a.setHomeDc(3).catch((e: unknown) => e);
		expect(expired).toBeInstanceOf(SessionLockedError);
		expect((expired as Error).message).toMatch(/this instance's lease expired/);
		expect((expired as Error).message).not.toMatch(/another (owner|holder)/);
		// once another instance took the session, the same write names that holder
		const b = await open({ prefix, sessionId: "s", owner: "second" });
		const taken = await a.setHomeDc(4).catch((e: unknown) => e);
		expect(taken).toBeInstanceOf(SessionLockedError);
		expect((taken as Error).message).toMatch(
			/another holder took over this session \(fencing token 2\); it is held by .*second/,
		);
		expect((taken as SessionLockedError).holder?.owner).toBe("second");
		// and after it released the session, the stale holder is still told it was taken over
		await b.close();
		const after = await a.setHomeDc(5).catch((e: unknown) => e);
		expect((after as Error).message).toMatch(
			/another holder took over this session \(fencing token 2\); nobody holds it/,
		);
		expect((await a.load())?.homeDcId).toBe(2);
	});

	it("lock: false takes no lease and declares locking false", async () => {
		const prefix = randomPrefix();
		const a = await open({ prefix, sessionId: "s", lock: false });
		const b = await open({ prefix, sessionId: "s", lock: false });
		expect(a.capabilities.locking).toBe(false);
		await a.setHomeDc(2);
		expect((await b.load())?.homeDcId).toBe(2);
		expect(await client.exists(a.keys.lease)).toBe(0);
	});
});
