// The queue of synchronous local databases (`@x/session-core/node`), Node-only: tasks of one
// database one after another, lease renewals ahead of queued tasks, and the event loop let
// through between tasks (never inside one) once the slice of work is used.
import { describe, expect, it } from "vitest";
import { createDatabaseQueue } from "../src/node/database-queue.js";

/** A promise and the function that resolves it. */
function deferred() {
	let resolve!: () => void;
	const promise = new Promise<void>((res) => {
		resolve = res;
	});
	return { promise, resolve };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Synchronous work of at least `ms` (the clock is monotonic). */
function work(ms: number): void {
	const until = performance.now() + ms;
	while (performance.now() < until);
}

/** A queue whose database runs a transaction now, awaiting `gate` (not the database). */
async function runningTransaction() {
	const queue = createDatabaseQueue();
	const log: string[] = [];
	const gate = deferred();
	const transaction = queue.run("a.db", async () => {
		log.push("transaction begin");
		await gate.promise;
		log.push("transaction end");
	});
	await turn();
	return { queue, log, gate, transaction };
}

describe("database queue", () => {
	it("runs the tasks of one database one after another, each to its end; another database's run beside them", async () => {
		const queue = createDatabaseQueue();
		const log: string[] = [];
		const gate = deferred();
		const a = queue.run("a.db", async () => {
			log.push("a1 begin");
			await gate.promise; // a transaction awaiting something other than the database
			log.push("a1 end");
		});
		const a2 = queue.run("a.db", async () => {
			log.push("a2");
		});
		await queue.run("b.db", async () => {
			log.push("b");
		});
		expect(log).toEqual(["a1 begin", "b"]);
		gate.resolve();
		await Promise.all([a, a2]);
		expect(log).toEqual(["a1 begin", "b", "a1 end", "a2"]);
	});

	it("is busy while a task of the database is queued or running, and a failed task frees it", async () => {
		const queue = createDatabaseQueue();
		expect(queue.busy("a.db")).toBe(false);
		const gate = deferred();
		const running = queue.run("a.db", () => gate.promise);
		const failing = queue.run("a.db", async () => {
			throw new Error("constraint failed");
		});
		expect(queue.busy("a.db")).toBe(true);
		expect(queue.busy("b.db")).toBe(false);
		gate.resolve();
		await running;
		await expect(failing).rejects.toThrow("constraint failed");
		expect(queue.busy("a.db")).toBe(false);
		await expect(queue.run("a.db", async () => 42)).resolves.toBe(42);
	});

	it("runs a first task between the running task and the queued ones, never inside a task", async () => {
		const { queue, log, gate, transaction } = await runningTransaction();
		expect(log).toEqual(["transaction begin"]);
		const writes = [1, 2, 3].map((i) =>
			queue.run("a.db", async () => {
				log.push(`write ${i}`);
			}),
		);
		const renewal = queue.runFirst("a.db", async () => {
			log.push("renewal");
			return "renewed";
		});
		await turn();
		expect(log, "not inside the running transaction").toEqual(["transaction begin"]);
		gate.resolve();
		await expect(renewal).resolves.toBe("renewed");
		await Promise.all([transaction, ...writes]);
		expect(log).toEqual([
			"transaction begin",
			"transaction end",
			"renewal",
			"write 1",
			"write 2",
			"write 3",
		]);
	});

	it("runs a first task after the last task when nothing else is queued, and through the queue when idle", async () => {
		const { queue, log, gate, transaction } = await runningTransaction();
		const renewal = queue.runFirst("a.db", async () => {
			log.push("renewal");
		});
		gate.resolve();
		await Promise.all([transaction, renewal]);
		expect(log).toEqual(["transaction begin", "transaction end", "renewal"]);
		expect(queue.busy("a.db")).toBe(false);
		await expect(queue.runFirst("a.db", async () => "idle")).resolves.toBe("idle");
		expect(queue.busy("a.db")).toBe(false);
	});

	it("runs a first task ahead of a queued task that has not begun yet", async () => {
		const queue = createDatabaseQueue();
		const log: string[] = [];
		const write = queue.run("a.db", async () => {
			log.push("write");
		});
		const renewal = queue.runFirst("a.db", async () => {
			log.push("renewal");
		});
		await Promise.all([write, renewal]);
		expect(log).toEqual(["renewal", "write"]);
	});

	it("rejects a first task that throws, and the queue goes on", async () => {
		const queue = createDatabaseQueue();
		const gate = deferred();
		const transaction = queue.run("a.db", () => gate.promise);
		const renewal = queue.runFirst("a.db", () => {
			throw new Error("database is closed");
		});
		const write = queue.run("a.db", async () => "written");
		gate.resolve();
		await expect(renewal).rejects.toThrow("database is closed");
		await transaction;
		await expect(write).resolves.toBe("written");
	});

	it("lets the event loop turn between tasks once the slice is used, never inside a task", async () => {
		const queue = createDatabaseQueue();
		const log: string[] = [];
		let turns = 0;
		const timer = new Promise<void>((resolve) =>
			setTimeout(() => {
				log.push("timer");
				resolve();
			}, 0),
		);
		// a closed loop of tasks of synchronous work, each awaiting only microtasks inside itself
		for (let i = 0; i < 20; i++) {
			await queue.run("a.db", async () => {
				log.push("begin");
				const before = turns;
				setImmediate(() => turns++);
				work(2);
				await Promise.resolve();
				work(2);
				log.push(turns === before ? "end" : "turned inside");
			});
		}
		await timer;
		expect(log).not.toContain("turned inside");
		const timerAt = log.indexOf("timer");
		expect(timerAt, "the timer fired during the loop").toBeLessThan(log.length - 1);
		expect(log[timerAt - 1], "between tasks").toBe("end");
		expect(log[timerAt + 1]).toBe("begin");
	});
});
