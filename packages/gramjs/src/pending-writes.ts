import type { EntityRow } from "./peers.js";

/** How many rows in the queue may be stale before it is compacted (the flush skips the rest). */
const COMPACT_MIN = 4096;

/** What one write-behind flush takes out of {@link PendingWrites}. */
export interface WriteBatch {
	home: boolean;
	dcs: number[];
	rows: EntityRow[];
	stale: number;
}

/**
 * What is dirty and not yet written: the home DC, DC entries, and entity rows in the order they
 * came. A row that is no longer the current one of its peer is stale and skipped, so the last value
 * per peer wins, at its last position (the claims of usernames and phones then follow the order
 * GramJS saw them in).
 */
export class PendingWrites {
	home = false;
	readonly dcs = new Set<number>();
	rows: EntityRow[] = [];
	/** Rows in the queue that may have been replaced since (an upper bound). */
	stale = 0;

	get isEmpty(): boolean {
		return !this.home && this.dcs.size === 0 && this.rows.length === 0;
	}

	/** Drops stale rows once at least half of the queue may be stale. */
	compactIfWorthIt(isCurrent: (row: EntityRow) => boolean): void {
		if (this.stale <= COMPACT_MIN || this.stale * 2 <= this.rows.length) return;
		this.rows = this.rows.filter(isCurrent);
		this.stale = 0;
	}

	/** Takes everything pending, leaving nothing. */
	take(): WriteBatch {
		const batch = { home: this.home, dcs: [...this.dcs], rows: this.rows, stale: this.stale };
		this.clear();
		return batch;
	}

	/** Puts a batch that failed back, ahead of what came since (newer changes still win). */
	putBack(batch: WriteBatch): void {
		this.home ||= batch.home;
		for (const dcId of batch.dcs) this.dcs.add(dcId);
		// rows replaced meanwhile are stale and skipped
		if (batch.rows.length > 0) {
			this.rows = batch.rows.concat(this.rows);
			this.stale += batch.stale;
		}
	}

	clear(): void {
		this.home = false;
		this.dcs.clear();
		this.rows = [];
		this.stale = 0;
	}
}
