import { type SessionBackend, SessionBackendError } from "@x/session-core";
import { type AuthKeysRepository, authKeysRepository } from "./auth-keys-repository.js";
import { type KeyValueRepository, keyValueRepository } from "./kv-repository.js";
import { ResidentPeers } from "./peers.js";
import { type PeersRepository, peersRepository } from "./peers-repository.js";
import {
	type ReferenceMessagesRepository,
	referenceMessagesRepository,
} from "./ref-messages-repository.js";
import { SaveQueue } from "./save-queue.js";
import { type MtcuteLogger, StorageState } from "./state.js";

const ADAPTER = "mtcute";

/** Options of {@link mtcuteStorage}. */
export interface MtcuteStorageOptions {
	/**
	 * Called when a save fails (the batch stays queued and is retried). Without it the failure is
	 * logged through mtcute's logger, or as one line on stderr. `flush()` and `destroy()` reject.
	 */
	onError?: (error: unknown) => void;
	/**
	 * Keep every peer in memory, read once at load. Default: only when the backend cannot answer
	 * lookups itself or does not persist (memory, string, file); SQL and Redis are asked per lookup.
	 */
	resident?: boolean;
	/** Close the backend in `destroy()` (default `true`). */
	closeBackend?: boolean;
	/** Retry a failed save after this many ms (default 1000; 0: only at the next save). */
	retryDelayMs?: number;
}

/**
 * An mtcute storage provider (`{ driver, kv, authKeys, peers, refMessages }`) kept in any
 * `SessionBackend`. Auth-key writes are applied before they resolve; key-value data, peers and
 * reference messages are held until mtcute's `driver.save()` and then written as one
 * `applyChanges` batch (one transaction in SQL, one MULTI in Redis, one atomic file write).
 */
export class MtcuteStorage {
	/** The backend everything is written to. */
	readonly backend: SessionBackend;
	/** mtcute's `IStorageDriver`: `load()` reads what is needed, `save()` writes the held batch. */
	readonly driver: {
		setup(log: MtcuteLogger): void;
		load(): Promise<void>;
		save(): Promise<void>;
		destroy(): Promise<void>;
	};
	/** mtcute's `IKeyValueRepository`: held until `driver.save()`. */
	readonly kv: KeyValueRepository;
	/** mtcute's `IAuthKeysRepository`: every write is applied before it resolves. */
	readonly authKeys: AuthKeysRepository;
	/** mtcute's `IPeersRepository`: held until `driver.save()`; reads see held peers. */
	readonly peers: PeersRepository;
	/** mtcute's `IReferenceMessagesRepository`: in memory, written at `driver.save()`. */
	readonly refMessages: ReferenceMessagesRepository;

	readonly #state: StorageState;
	readonly #saves: SaveQueue;

	/** Prefer {@link mtcuteStorage}. Rejects a backend that cannot store extension data. */
	constructor(backend: SessionBackend, options: MtcuteStorageOptions = {}) {
		if (typeof backend?.applyChanges !== "function" || typeof backend.getExtension !== "function")
			throw new SessionBackendError("INVALID_ARGUMENT", "backend must be a SessionBackend", {
				backend: ADAPTER,
			});
		if (!backend.capabilities.extensions)
			throw new SessionBackendError(
				"UNSUPPORTED",
				`the ${backend.name} backend does not store extension data, which mtcute needs`,
				{ backend: ADAPTER },
			);
		this.backend = backend;
		const native = backend.capabilities.nativeLookups && backend.capabilities.persistent;
		const resident = (options.resident ?? !native) ? new ResidentPeers() : null;
		const state = new StorageState(backend, options, resident);
		this.#state = state;
		this.#saves = new SaveQueue(state);
		this.driver = {
			setup: (log) => {
				state.log = log;
			},
			load: () => state.load(),
			save: () => this.#saves.save(),
			destroy: () => this.destroy(),
		};
		this.kv = keyValueRepository(state);
		this.authKeys = authKeysRepository(state);
		this.peers = peersRepository(state);
		this.refMessages = referenceMessagesRepository(state);
	}

	/** The last save failure, while the data it held is still queued. */
	get lastError(): unknown {
		return this.#state.lastError;
	}

	/** Writes everything held since the last save; rejects when the backend fails (nothing is lost). */
	flush(): Promise<void> {
		return this.#state.ready(() => this.#saves.saveQueued());
	}

	/** A final flush (rejects on failure, and the backend stays open), then closes the backend. */
	destroy(): Promise<void> {
		const state = this.#state;
		state.destroying ??= (async () => {
			if (state.loading) await this.flush();
			this.#saves.cancelRetry();
			if (state.options.closeBackend !== false) await this.backend.close();
		})().catch((error) => {
			state.destroying = undefined;
			throw error;
		});
		return state.destroying;
	}
}

/** An mtcute storage provider on `backend`: `new TelegramClient({ …, storage: mtcuteStorage(backend) })`. */
export function mtcuteStorage(
	backend: SessionBackend,
	options: MtcuteStorageOptions = {},
): MtcuteStorage {
	return new MtcuteStorage(backend, options);
}
