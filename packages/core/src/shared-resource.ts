/**
 * Process-wide shared resources (a connection pool, a database handle, a client), reference
 * counted: the first `acquire` of a key creates the resource, every later one shares it, and the
 * last `release` destroys it. Many sessions on one database then cost one connection, not one each.
 */
export class SharedResources<T> {
	readonly #entries = new Map<string, { value: Promise<T>; refs: number }>();

	constructor(private readonly destroy: (value: T) => Promise<void> | void) {}

	/**
	 * The resource for `key`, made by `create` when no one holds it. A failed `create` is not kept:
	 * every caller waiting on it gets the error, and the next `acquire` tries again.
	 */
	async acquire(key: string, create: () => Promise<T> | T): Promise<SharedHandle<T>> {
		let entry = this.#entries.get(key);
		if (!entry) {
			const made = { value: Promise.resolve().then(create), refs: 0 };
			this.#entries.set(key, made);
			made.value.catch(() => {
				if (this.#entries.get(key) === made) this.#entries.delete(key);
			});
			entry = made;
		}
		entry.refs++;
		let value: T;
		try {
			value = await entry.value;
		} catch (error) {
			entry.refs--;
			throw error;
		}
		const held = entry;
		let released = false;
		return {
			value,
			release: async () => {
				if (released) return;
				released = true;
				if (--held.refs > 0) return;
				// removed before it is destroyed: an acquire from now on creates a new one
				if (this.#entries.get(key) === held) this.#entries.delete(key);
				await this.destroy(value);
			},
		};
	}

	/** How many holders share `key` now (0 when none). */
	holders(key: string): number {
		return this.#entries.get(key)?.refs ?? 0;
	}
}

/** One holder's share of a {@link SharedResources} entry. `release` is idempotent. */
export interface SharedHandle<T> {
	readonly value: T;
	release(): Promise<void>;
}
