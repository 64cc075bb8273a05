// A client configured with a database the server refuses (`SELECT` fails, ioredis stays on 0).
import { isSessionError } from "@x/session-core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisSessionBackend } from "../src/index.js";
import { deletePrefix, randomPrefix, SHARED, sharedServerAvailable } from "./servers.js";

const available = await sharedServerAvailable();

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
function clientOn(db: number): Redis {
	const c = new Redis({ ...SHARED, db, maxRetriesPerRequest: 1, connectTimeout: 2000 });
	c.on("error", () => undefined);
	cleanups.push(async () => c.disconnect());
	return c;
}

describe.skipIf(!available)("redis database index", () => {
	it("a db the server refuses is INVALID_ARGUMENT at open, and nothing lands in db 0", async () => {
		const prefix = randomPrefix();
		const db0 = clientOn(0);
		cleanups.push(() => deletePrefix(db0, prefix)); // only if the check failed
		for (const lock of [true, false]) {
			const error = await RedisSessionBackend.open({ client: clientOn(99), prefix, lock }).catch(
				(e: unknown) => e,
			);
			expect(isSessionError(error, "INVALID_ARGUMENT")).toBe(true);
			expect((error as Error).message).toMatch(
				/refused database 99 \(ERR DB index is out of range\)/,
			);
		}
		expect(await db0.keys(`${prefix}:*`)).toEqual([]); // no lease, no session in db 0
		// nor are db 0's sessions listed or deleted in its place
		const seed = await RedisSessionBackend.open({ client: db0, prefix, sessionId: "zero" });
		await seed.setHomeDc(1);
		await seed.close();
		for (const call of [
			() => RedisSessionBackend.listSessions({ client: clientOn(99), prefix }),
			() => RedisSessionBackend.deleteSession({ client: clientOn(99), prefix, sessionId: "zero" }),
		])
			expect(isSessionError(await call().catch((e: unknown) => e), "INVALID_ARGUMENT")).toBe(true);
		expect(await RedisSessionBackend.listSessions({ client: db0, prefix })).toEqual(["zero"]);
	});

	it("a db the server has is used: the session is there and not in db 0", async () => {
		const prefix = randomPrefix();
		const db0 = clientOn(0);
		const db5 = clientOn(5);
		cleanups.push(() => deletePrefix(db5, prefix));
		const b = await RedisSessionBackend.open({ client: db5, prefix, sessionId: "five" });
		await b.setHomeDc(4);
		await b.close();
		expect(await db0.keys(`${prefix}:*`)).toEqual([]);
		expect((await db5.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
	});
});
