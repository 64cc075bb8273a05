import type { SessionBackend } from "@x/session-core";
import { SerialQueue } from "@x/session-core/backend";
import { MTCUTE_KEYS } from "./keys.js";
import { readStored } from "./load.js";
import type { PeerInfo, ResidentPeers } from "./peers.js";
import { RefMessages } from "./refs.js";
import type { MtcuteStorageOptions } from "./storage.js";

/** What mtcute's `setup()` hands a driver; only its logger is used. */
export interface MtcuteLogger {
	error(format: string, ...args: unknown[]): void;
}

/**
 * What the repositories of one {@link MtcuteStorage} share: the backend, what is known of its
 * extension values, what is held until the next save, loading, and the queue that runs saves
 * and key writes one at a time in call order.
 */
export class StorageState {
	/** Known extension values (`null`: known absent). Complete when resident. */
	readonly ext = new Map<string, Uint8Array | null>();
	readonly kvUnsaved = new Map<string, Uint8Array | null>();
	readonly refs = new RefMessages();
	/** Peers stored since the save in flight began (or since the last save). */
	peersUnsaved = new Map<number, PeerInfo>();
	/** The peers of the save in flight, taken from `peersUnsaved` as it began; `null` between saves. */
	peersSaving: Map<number, PeerInfo> | null = null;
	loaded = false;
	log: MtcuteLogger | undefined;
	lastError: unknown;
	destroying: Promise<void> | undefined;
	#loading: Promise<void> | undefined;
	/** Saves and key writes, one at a time and in call order. */
	readonly #serial = new SerialQueue();

	constructor(
		readonly backend: SessionBackend,
		readonly options: MtcuteStorageOptions,
		/** Every peer, when resident; otherwise `null` and lookups go to the backend. */
		readonly resident: ResidentPeers | null,
	) {}

	/** Whether a load was started (and so there may be something to flush). */
	get loading(): boolean {
		return this.#loading !== undefined;
	}

	/** Runs `task` once loaded: at once when loading is done (mtcute calls some methods per peer). */
	ready<T>(task: () => Promise<T>): Promise<T> {
		if (this.loaded) {
			try {
				return task();
			} catch (error) {
				return Promise.reject(error);
			}
		}
		return this.load().then(task);
	}

	load(): Promise<void> {
		this.#loading ??= readStored(this).then(
			() => {
				this.loaded = true;
			},
			(error) => {
				this.#loading = undefined; // a later load() tries again
				throw error;
			},
		);
		return this.#loading;
	}

	exclusive<T>(task: () => Promise<T>): Promise<T> {
		return this.#serial.run(task);
	}

	/** An extension value: known, or (when not resident) read from the backend and remembered. */
	async value(key: string): Promise<Uint8Array | null> {
		const known = this.ext.get(key);
		if (known !== undefined || this.resident) return known ?? null;
		const stored = await this.backend.getExtension(key);
		const value = stored ? stored.expose() : null;
		if (!this.ext.has(key)) this.ext.set(key, value);
		return this.ext.get(key) ?? null;
	}

	/** A key-value entry of mtcute's. */
	kvGet(key: string): Promise<Uint8Array | null> {
		return this.value(MTCUTE_KEYS.kv + key);
	}

	/** Writes (or deletes, with `null`) one extension value now and remembers it. */
	async writeExt(name: string, value: Uint8Array | null): Promise<void> {
		await this.backend.applyChanges(
			value ? { setExtensions: [[name, value]] } : { deleteExtensions: [name] },
		);
		this.ext.set(name, value);
	}
}
