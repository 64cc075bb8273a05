import { SessionBackendError } from "./errors.js";
import {
	applyUpdateStateChange,
	cloneSession,
	emptySession,
	upsertDc,
	upsertPeers,
} from "./session.js";
import type { CachedPeer, DcEntry, PersistedSession, UpdateStateChange } from "./types.js";

/**
 * What a backend can do, read by the conformance suite and by callers. A capability a backend
 * lacks is declared `false`, never silently skipped.
 */
export interface BackendCapabilities {
	/** Data survives `close()` and a new instance on the same storage reads it back. */
	readonly persistent: boolean;
	/** One storage holds several sessions, told apart by a session id. */
	readonly multiSession: boolean;
	/** A single-writer lock or lease keeps a second instance from using the same session. */
	readonly locking: boolean;
	/** Granular methods write only what changed instead of load → mutate → save. */
	readonly nativeGranular: boolean;
	/** Writes can be coalesced and held until `flush()`. */
	readonly coalescing: boolean;
}

/**
 * The async session-store contract. Every data method returns a Promise; `close()` is explicit.
 *
 * Matching rules (same in every backend): DC entries by slot (`dcId` plus the IPv6, media-only
 * and CDN bits); peers by `(kind, id)`, where a zero access hash never replaces a known one;
 * channel pts by channel id; min peers by user id. A full `save()` stores the session as given
 * (counters may go backwards) and `load()` returns it; list order is not guaranteed.
 */
export interface SessionBackend {
	/** Short label used in errors and logs, e.g. `"file"`, `"sqlite"`. */
	readonly name: string;
	readonly capabilities: BackendCapabilities;
	/** The stored session, or `null` when there is none yet. */
	load(): Promise<PersistedSession | null>;
	/** Replaces the whole stored session, atomically. */
	save(session: PersistedSession): Promise<void>;
	/** Removes the stored session. Loading afterwards returns `null`. */
	delete(): Promise<void>;
	/** Persists anything pending and releases locks and connections. Idempotent. */
	close(): Promise<void>;
	/** Persists coalesced writes now. A no-op for backends that do not coalesce. */
	flush(): Promise<void>;
	/** Replaces the DC entry in the same slot, or appends it. */
	updateDc(dc: DcEntry): Promise<void>;
	setHomeDc(dcId: number): Promise<void>;
	applyUpdateState(change: UpdateStateChange): Promise<void>;
	cachePeer(peer: CachedPeer): Promise<void>;
	/** Caches a batch of peers in one write. */
	cachePeers(peers: readonly CachedPeer[]): Promise<void>;
}

/**
 * A base for backends: implement `loadSession`, `saveSession` and `deleteSession`, and the
 * granular methods work as load → mutate → save. Every call runs through one queue per
 * instance, so concurrent granular calls never lose an update (the reference's bug B3).
 * Backends that can write one row override the granular methods.
 */
export abstract class BaseSessionBackend implements SessionBackend {
	abstract readonly name: string;
	readonly capabilities: BackendCapabilities = {
		persistent: false,
		multiSession: false,
		locking: false,
		nativeGranular: false,
		coalescing: false,
	};
	#tail: Promise<unknown> = Promise.resolve();
	#closed = false;

	protected abstract loadSession(): Promise<PersistedSession | null>;
	protected abstract saveSession(session: PersistedSession): Promise<void>;
	protected abstract deleteSession(): Promise<void>;
	/** Releases resources; called once by `close()` after pending work. */
	protected async closeSession(): Promise<void> {}

	/** Runs `task` after every call queued before it; a failure does not block later calls. */
	protected exclusive<T>(task: () => Promise<T>): Promise<T> {
		if (this.#closed) return Promise.reject(this.closedError());
		const run = this.#tail.then(task, task);
		this.#tail = run.catch(() => undefined);
		return run;
	}

	/** Load (or start empty) → `mutate` → save, as one exclusive step. */
	protected mutate(mutate: (session: PersistedSession) => void): Promise<void> {
		return this.exclusive(async () => {
			const session = (await this.loadSession()) ?? emptySession();
			mutate(session);
			await this.saveSession(session);
		});
	}

	protected closedError(): SessionBackendError {
		return new SessionBackendError("CLOSED", "backend is closed", { backend: this.name });
	}

	protected get closed(): boolean {
		return this.#closed;
	}

	load(): Promise<PersistedSession | null> {
		return this.exclusive(() => this.loadSession());
	}

	save(session: PersistedSession): Promise<void> {
		const copy = cloneSession(session);
		return this.exclusive(() => this.saveSession(copy));
	}

	delete(): Promise<void> {
		return this.exclusive(() => this.deleteSession());
	}

	flush(): Promise<void> {
		return this.exclusive(async () => {});
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		const pending = this.#tail;
		this.#closed = true;
		await pending;
		await this.closeSession();
	}

	updateDc(dc: DcEntry): Promise<void> {
		return this.mutate((s) => upsertDc(s, dc));
	}

	setHomeDc(dcId: number): Promise<void> {
		return this.mutate((s) => {
			s.homeDcId = dcId;
		});
	}

	applyUpdateState(change: UpdateStateChange): Promise<void> {
		return this.mutate((s) => applyUpdateStateChange(s.updatesState, change));
	}

	cachePeer(peer: CachedPeer): Promise<void> {
		return this.cachePeers([peer]);
	}

	cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		const copy = peers.map((p) => ({ ...p }));
		return this.mutate((s) => upsertPeers(s, copy));
	}
}
