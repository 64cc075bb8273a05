import type { SessionBackend } from "@x/session-core";

/** Options of the GramJS / teleproto session adapters. */
export interface GramjsSessionOptions {
	/** Delay before dirty data is written, coalescing bursts (default 1000 ms; 0 = next tick). */
	flushDelayMs?: number;
	/**
	 * Called when a write-behind flush fails (the data stays queued and is retried). Without it
	 * the failure is logged as one line on stderr. `flush()` and `close()` reject instead.
	 */
	onError?: (error: unknown) => void;
	/** Close the backend in `close()` (default `true`). */
	closeBackend?: boolean;
	/**
	 * `"resident"`: `load()` reads every stored peer and GramJS's synchronous lookups answer from
	 * memory. `"lazy"` (on a backend with `capabilities.nativeLookups`): `load()` reads no peer
	 * (`load({ peers: false })`, the same time at 1k peers as at 1M) and entities live in a cache
	 * of at most `peerCacheSize` rows. A lookup by id, username or phone the cache misses asks the
	 * backend synchronously where it offers that (`getPeerNow` and `findPeerBy*Now`: SQLite,
	 * libSQL local files), so a stored peer is found at once; otherwise, or when the backend
	 * cannot answer now, it is looked up in the background while the call goes on as GramJS goes
	 * on when its session does not know an entity (its own entity cache, then Telegram), and the
	 * next lookup finds it. A lookup by display name answers from the cache only.
	 *
	 * Default: `"lazy"` where the backend offers the synchronous lookups, `"resident"` elsewhere.
	 */
	peers?: "resident" | "lazy";
	/** Entity rows a `"lazy"` session holds at most, besides those not written yet (default 10 000). */
	peerCacheSize?: number;
}

/** The session object handed to `new TelegramClient(session, …)`, plus the adapter's own methods. */
export interface GramjsBackedSession {
	/** Writes everything pending; rejects when the backend fails (the data stays queued). */
	flush(): Promise<void>;
	/** Flushes, then closes the backend (unless `closeBackend: false`). Rejects when the flush fails. */
	close(): Promise<void>;
	/** The backend this session writes to. */
	readonly backend: SessionBackend;
	/** The last write-behind failure, if the last attempt failed. */
	readonly lastError: unknown;
	/** How many entity rows are in memory (all stored peers when resident; bounded when lazy). */
	readonly cachedEntities: number;
}
