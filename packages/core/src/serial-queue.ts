/**
 * Runs tasks one after another, in the order they were queued: a task starts once every task
 * queued before it has settled, and a failure does not block the tasks after it. The one promise
 * queue core's backends, wrappers and drivers use.
 */
export class SerialQueue {
	#tail: Promise<unknown> = Promise.resolve();
	#pending = 0;
	readonly #settled = () => {
		this.#pending--;
	};

	/** Queues `task`; the promise settles as the task does. */
	run<T>(task: () => Promise<T>): Promise<T> {
		this.#pending++;
		const run = this.#tail.then(task, task);
		// attached before the caller's own continuation, so `pending` already counts this task
		// out when the caller resumes
		this.#tail = run.then(this.#settled, this.#settled);
		return run;
	}

	/** Tasks queued and not yet settled. */
	get pending(): number {
		return this.#pending;
	}

	/** Settles (never rejects) once every task queued so far has settled. */
	settled(): Promise<void> {
		return this.#tail.then(
			() => undefined,
			() => undefined,
		);
	}
}

/**
 * A {@link SerialQueue} per key: `queue(key, task)` starts `task` once every task queued before it
 * under the same key has settled. Drivers use it so transactions on one database never
 * interleave inside one process.
 */
export function keyedQueue(): <T>(key: unknown, task: () => Promise<T>) => Promise<T> {
	const queues = new Map<unknown, SerialQueue>();
	return (key, task) => {
		let queue = queues.get(key);
		if (!queue) {
			queue = new SerialQueue();
			queues.set(key, queue);
		}
		return queue.run(task);
	};
}
