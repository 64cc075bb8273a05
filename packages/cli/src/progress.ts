import type { Writable } from "node:stream";

/** Sessions at least this large get a progress bar from the start of a step. */
export const LARGE_SESSION_PEERS = 100_000;
const SHOW_AFTER_MS = 1000;
const FRAME_MS = 100;
const BAR_WIDTH = 24;

/**
 * A one-line progress bar on stderr for long work: it shows the current step out of the
 * planned steps, what the step is doing, and the elapsed time. It draws only when stderr is a
 * terminal (or `X_SESSION_PROGRESS=1`), and only for large sessions or steps that last over a
 * second, so short runs and pipes stay quiet.
 */
export class Progress {
	readonly #stream: Writable & { columns?: number };
	readonly #enabled: boolean;
	readonly #always: boolean;
	#total = 1;
	#index = 0;
	#label = "";
	#large = false;
	#stepStart = 0;
	#start = 0;
	#timer: ReturnType<typeof setInterval> | undefined;
	#drawn = false;

	constructor(
		stream: Writable & { columns?: number },
		options: { enabled: boolean; always?: boolean },
	) {
		this.#stream = stream;
		this.#enabled = options.enabled;
		this.#always = options.always === true;
	}

	/** Plans `total` steps; the bar fills by step. */
	plan(total: number): void {
		this.#total = Math.max(1, total);
		this.#index = 0;
		this.#start = Date.now();
	}

	/** Marks the session as large (e.g. 100k peers or more): the bar shows at once. */
	sessionSize(peers: number): void {
		if (peers >= LARGE_SESSION_PEERS) this.#large = true;
	}

	/** Starts the next step. */
	step(label: string): void {
		if (!this.#enabled) return;
		this.#index = Math.min(this.#index + 1, this.#total);
		this.#label = label;
		this.#stepStart = Date.now();
		if (!this.#timer) {
			this.#timer = setInterval(() => this.#draw(), FRAME_MS);
			this.#timer.unref();
		}
		this.#draw();
	}

	/** Removes the bar (before other output or at the end). */
	clear(): void {
		if (this.#drawn) {
			this.#stream.write("\r\x1b[2K");
			this.#drawn = false;
		}
	}

	/** Stops drawing and removes the bar. */
	done(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
		this.clear();
	}

	#draw(): void {
		const now = Date.now();
		if (!this.#always && !this.#large && now - this.#stepStart < SHOW_AFTER_MS) return;
		const filled = Math.round(((this.#index - 1) / this.#total) * BAR_WIDTH);
		const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
		const secs = ((now - this.#start) / 1000).toFixed(1);
		let line = `x-session [${bar}] ${this.#index}/${this.#total} ${this.#label} (${secs}s)`;
		const width = this.#stream.columns ?? 100;
		if (line.length > width - 1) line = line.slice(0, width - 1);
		this.#stream.write(`\r\x1b[2K${line}`);
		this.#drawn = true;
	}
}
