import { keyedQueue } from "../serial-queue.js";
import { yieldWhenSliceUsed } from "./time-slice.js";

/**
 * The tasks of the local databases of this process, one queue per database (its key: the file's
 * real path, or the connection of an in-memory database). A synchronous driver (better-sqlite3,
 * libsql) blocks the thread while it waits for a lock, so two connections to one file must not
 * interleave their (async) transactions, and sessions sharing a connection must not either (a
 * statement of one would land in the other's transaction): queued, each task runs to its end
 * before the next begins. Between tasks, never inside one, the queue lets the event loop turn
 * once the process's slice of synchronous work is used.
 */
export interface DatabaseQueue {
	/** Runs `task` once every task queued before it on `key` has settled. */
	run<T>(key: unknown, task: () => Promise<T>): Promise<T>;
	/**
	 * Runs `task` (a statement, synchronous under its promise: a lease renewal) ahead of every
	 * queued task of `key`: between the running task and the next one, never inside a transaction
	 * and never behind the queue (a renewal behind a thousand sessions' queued writes waited until
	 * the leases expired). Queued as {@link DatabaseQueue.run} when nothing of `key` is queued.
	 */
	runFirst<T>(key: unknown, task: () => Promise<T>): Promise<T>;
	/** Whether a task of `key` is queued or running: a synchronous read must not run now. */
	busy(key: unknown): boolean;
}

/** A {@link DatabaseQueue}: a backend keeps one for its process (module scope). */
export function createDatabaseQueue(): DatabaseQueue {
	const queue = keyedQueue();
	/** Tasks queued per database and not settled yet: none means a read may run at once. */
	const pending = new Map<unknown, number>();
	/** Tasks waiting to run ahead of the next queued task of their database. */
	const firstTasks = new Map<unknown, (() => void)[]>();

	function runFirstTasks(key: unknown): void {
		const tasks = firstTasks.get(key);
		if (!tasks) return;
		firstTasks.delete(key);
		for (const start of tasks) start();
	}

	function run<T>(key: unknown, task: () => Promise<T>): Promise<T> {
		pending.set(key, (pending.get(key) ?? 0) + 1);
		return queue(key, async () => {
			try {
				await yieldWhenSliceUsed(); // between transactions, never inside one
				runFirstTasks(key);
				return await task();
			} finally {
				const n = (pending.get(key) ?? 1) - 1;
				if (n === 0) pending.delete(key);
				else pending.set(key, n);
				if (n === 0) runFirstTasks(key); // queued during the last task
			}
		});
	}

	return {
		run,
		runFirst<T>(key: unknown, task: () => Promise<T>): Promise<T> {
			if (!pending.has(key)) return run(key, task);
			return new Promise<T>((resolve, reject) => {
				const tasks = firstTasks.get(key) ?? [];
				firstTasks.set(key, tasks);
				tasks.push(() => {
					try {
						task().then(resolve, reject);
					} catch (error) {
						reject(error);
					}
				});
			});
		},
		busy: (key) => pending.has(key),
	};
}
