import { changesOf } from "./batch.js";
import type { StorageState } from "./state.js";

/**
 * mtcute's `driver.save()`: what is held is written as one `applyChanges` batch, one save at a
 * time; calls made while one runs share the next. A failed save keeps its batch queued, reports
 * the error and retries after `retryDelayMs`.
 */
export class SaveQueue {
	readonly #state: StorageState;
	#queuedSave: Promise<void> | undefined;
	#retry: ReturnType<typeof setTimeout> | undefined;

	constructor(state: StorageState) {
		this.#state = state;
	}

	/** For mtcute, which awaits this after every RPC: a failure must not fail the user's call. */
	save(): Promise<void> {
		return this.saveQueued().catch(() => undefined);
	}

	/** One save queued behind the running one: calls made meanwhile share it (coalescing). */
	saveQueued(): Promise<void> {
		this.#queuedSave ??= this.#state.exclusive(() => {
			this.#queuedSave = undefined;
			return this.#write();
		});
		return this.#queuedSave;
	}

	cancelRetry(): void {
		if (this.#retry) clearTimeout(this.#retry);
	}

	async #write(): Promise<void> {
		const state = this.#state;
		const kv = new Map(state.kvUnsaved);
		const peers = state.peersUnsaved;
		const buckets = [...state.refs.dirtyBuckets];
		const users = [...state.refs.dirtyUsers];
		state.refs.dirtyBuckets.clear();
		state.refs.dirtyUsers.clear();
		if (kv.size + peers.size + buckets.length + users.length === 0) return;
		// the peers are taken, not copied: stores made meanwhile go to a new map (reads see both)
		state.peersUnsaved = new Map();
		state.peersSaving = peers;
		try {
			await state.backend.applyChanges(await changesOf(state, kv, peers, buckets, users));
		} catch (error) {
			// the batch stays queued, as one map would hold it: a peer stored since keeps its
			// place with the newer value, peers new since come after
			for (const [id, info] of state.peersUnsaved) peers.set(id, info);
			state.peersUnsaved = peers;
			state.peersSaving = null;
			for (const b of buckets) state.refs.dirtyBuckets.add(b);
			for (const u of users) state.refs.dirtyUsers.add(u);
			state.lastError = error;
			this.#report(error);
			this.#scheduleRetry();
			throw error;
		}
		for (const [key, value] of kv)
			if (state.kvUnsaved.get(key) === value) state.kvUnsaved.delete(key);
		state.peersSaving = null;
		state.lastError = undefined;
	}

	#scheduleRetry(): void {
		const delay = this.#state.options.retryDelayMs ?? 1000;
		if (delay <= 0 || this.#retry || this.#state.destroying) return;
		this.#retry = setTimeout(() => {
			this.#retry = undefined;
			this.saveQueued().catch(() => undefined);
		}, delay);
		this.#retry.unref?.();
	}

	#report(error: unknown): void {
		const options = this.#state.options;
		if (options.onError) {
			try {
				options.onError(error);
			} catch {
				// a throwing handler must not fail mtcute's call
			}
			return;
		}
		const message = error instanceof Error ? error.message : String(error);
		const line = `[x-session] [mtcute] save failed (kept, will retry): ${message}`;
		if (this.#state.log) this.#state.log.error("%s", line);
		else console.error(line);
	}
}
