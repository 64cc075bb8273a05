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
}
