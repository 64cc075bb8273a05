import { keyedQueue } from "@x/session-core/sql";
import { yieldWhenSliceUsed } from "./time-slice.js";

/**
 * One queue per local database file in this process (its real path), whichever connection or
 * session runs the task. A local libSQL connection blocks the thread while it waits for a lock,
 * so two connections to one file must not interleave their transactions; and sessions sharing
 * one connection must not either (a statement of one would land in the other's transaction).
 */
function createFileQueue() {
	const queue = keyedQueue();
	/** Tasks queued per file and not settled yet: none means a read may run at once. */
	const pending = new Map<unknown, number>();
	/** Files whose task is running now (between its first and last statement). */
	const running = new Set<unknown>();
	return {
		run<T>(key: unknown, task: () => Promise<T>): Promise<T> {
			pending.set(key, (pending.get(key) ?? 0) + 1);
			return queue(key, async () => {
				try {
					await yieldWhenSliceUsed(); // between transactions, never inside one
					running.add(key);
					return await task();
				} finally {
					running.delete(key);
					const n = (pending.get(key) ?? 1) - 1;
					if (n === 0) pending.delete(key);
					else pending.set(key, n);
				}
			});
		},
		/**
		 * Whether a task of this file is running now: one that awaits something other than the
		 * database (a transaction awaiting crypto) spans turns of the event loop.
		 */
		running(key: unknown): boolean {
			return running.has(key);
		},
		/** Whether a task of this file is queued or running. */
		busy(key: unknown): boolean {
			return pending.has(key);
		},
	};
}

export const fileQueue = createFileQueue();
