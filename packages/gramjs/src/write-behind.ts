import { SerialQueue } from "@x/session-core/backend";

/**
 * Runs one write at a time, after a delay that coalesces bursts of changes, and reports failures
 * without ever rejecting a Promise GramJS leaves floating.
 */
export class WriteBehind {
	#timer: ReturnType<typeof setTimeout> | undefined;
	readonly #writes = new SerialQueue();
	readonly #write: () => Promise<void>;
	readonly #delayMs: number;

	constructor(write: () => Promise<void>, delayMs = 1000) {
		this.#write = write;
		this.#delayMs = delayMs;
	}

	/** Starts the delay unless a write is already scheduled. */
	schedule(): void {
		if (this.#timer) return;
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			this.flush().catch(() => undefined);
		}, this.#delayMs);
		this.#timer.unref?.();
	}

	/** Writes now, after the write in progress; rejects when this write fails. */
	flush(): Promise<void> {
		this.#cancelTimer();
		return this.#writes.run(this.#write);
	}

	/** Cancels the scheduled write and waits for the one in progress. */
	async stop(): Promise<void> {
		this.#cancelTimer();
		await this.#writes.settled();
	}

	#cancelTimer(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}

/** Hands a write-behind failure to `onError`, or logs one line on stderr without it. */
export function reportWriteFailure(
	onError: ((error: unknown) => void) | undefined,
	error: unknown,
): void {
	if (onError) {
		try {
			onError(error);
		} catch {
			// a throwing handler must not turn a floating Promise into a crash
		}
		return;
	}
	const message = error instanceof Error ? error.message : String(error);
	console.error(`[x-session] [gramjs] write-behind failed (will retry): ${message}`);
}
