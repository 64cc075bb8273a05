import { describe, expect, it } from "vitest";
import { SharedResources } from "../src/shared-resource.js";

describe("SharedResources", () => {
	it("creates once per key, shares it, and destroys it with the last release", async () => {
		const destroyed: number[] = [];
		let made = 0;
		const pool = new SharedResources<number>((v) => {
			destroyed.push(v);
		});
		const [a, b] = await Promise.all([
			pool.acquire("db", () => ++made),
			pool.acquire("db", () => ++made),
		]);
		const other = await pool.acquire("other", () => 100);
		expect([a.value, b.value, other.value, made]).toEqual([1, 1, 100, 1]);
		expect(pool.holders("db")).toBe(2);
		await a.release();
		await a.release(); // idempotent: does not count b out
		expect(destroyed).toEqual([]);
		expect(pool.holders("db")).toBe(1);
		await b.release();
		expect(destroyed).toEqual([1]);
		expect(pool.holders("db")).toBe(0);
		const again = await pool.acquire("db", () => ++made);
		expect(again.value).toBe(2);
		await Promise.all([again.release(), other.release()]);
		expect(destroyed).toEqual([1, 2, 100]);
	});

	it("keeps no failed creation: waiters get the error, the next acquire retries", async () => {
		const pool = new SharedResources<string>(() => {});
		let calls = 0;
		const failing = () => {
			calls++;
			return Promise.reject(new Error("refused"));
		};
		const results = await Promise.allSettled([
			pool.acquire("k", failing),
			pool.acquire("k", failing),
		]);
		expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
		expect(calls).toBe(1);
		expect(pool.holders("k")).toBe(0);
		const ok = await pool.acquire("k", () => "up");
		expect(ok.value).toBe("up");
		await ok.release();
	});
});
