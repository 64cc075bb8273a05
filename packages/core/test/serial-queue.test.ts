import { describe, expect, it } from "vitest";
import { keyedQueue, SerialQueue } from "../src/toolkit.js";

/** A promise and the functions that settle it. */
function deferred<T = void>() {
	let resolve!: (value: T) => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

describe("SerialQueue", () => {
	it("runs tasks one at a time in queue order; a failure does not block the next", async () => {
		const queue = new SerialQueue();
		const log: string[] = [];
		const first = deferred();
		const a = queue.run(async () => {
			log.push("a start");
			await first.promise;
			log.push("a end");
			throw new Error("a failed");
		});
		const b = queue.run(async () => {
			log.push("b");
			return 2;
		});
		expect(queue.pending).toBe(2);
		await Promise.resolve();
		expect(log).toEqual(["a start"]);
		first.resolve();
		await expect(a).rejects.toThrow("a failed");
		await expect(b).resolves.toBe(2);
		expect(log).toEqual(["a start", "a end", "b"]);
		expect(queue.pending).toBe(0);
	});

	it("counts a task out before its caller resumes, and settled() waits for every task", async () => {
		const queue = new SerialQueue();
		await queue.run(async () => {});
		expect(queue.pending).toBe(0);
		const gate = deferred();
		let done = false;
		void queue.run(async () => {
			await gate.promise;
			done = true;
		});
		const settled = queue.settled();
		gate.resolve();
		await settled;
		expect(done).toBe(true);
		await expect(new SerialQueue().settled()).resolves.toBeUndefined();
	});
});

describe("keyedQueue", () => {
	it("serializes per key and lets different keys run side by side", async () => {
		const queue = keyedQueue();
		const log: string[] = [];
		const gate = deferred();
		const x1 = queue("x", async () => {
			await gate.promise;
			log.push("x1");
		});
		const x2 = queue("x", async () => void log.push("x2"));
		const y = queue("y", async () => void log.push("y"));
		await y;
		expect(log).toEqual(["y"]);
		gate.resolve();
		await Promise.all([x1, x2]);
		expect(log).toEqual(["y", "x1", "x2"]);
	});
});
