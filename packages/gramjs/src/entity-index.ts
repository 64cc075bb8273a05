import { normalizePhone } from "@x/session-core/backend";
import { type EntityRow, hashOf, phoneKey } from "./peers.js";

/**
 * What {@link EntityIndex.take} did with a row GramJS made: the first row of its peer, one that
 * replaces the current row (a queued older row is then stale), or one equal to it (nothing to write).
 */
export type Taken = "new" | "replaced" | "unchanged";

/**
 * The current entity row per marked id, and the username, phone and display-name indexes GramJS's
 * synchronous lookups answer from. A later row with a username, phone or name takes it over.
 */
export class EntityIndex {
	/** The current row per marked id. */
	readonly #rows = new Map<string, EntityRow>();
	/** Username, phone (digits) and display name → the marked id of the row that has it. */
	readonly #byUsername = new Map<string, string>();
	readonly #byPhone = new Map<string, string>();
	readonly #byName = new Map<string, string>();
	/**
	 * New rows not yet in the three indexes above: the client's synchronous call only records
	 * them, and they are indexed, in order, before the next lookup by username, phone or name,
	 * before a row that replaces one, and in the write-behind flush.
	 */
	#unindexed: EntityRow[] = [];
	/** Stored peers a GramJS row cannot say in full (more usernames, extra data): never "unchanged". */
	readonly #inexact = new Set<string>();

	/** Whether `row` is still the current row of its peer. */
	isCurrent(row: EntityRow): boolean {
		return this.#rows.get(row[0]) === row;
	}

	byPhone(phone: string): [string, string] | undefined {
		if (this.#unindexed.length > 0) this.settle();
		return this.byId(this.#byPhone.get(normalizePhone(String(phone))));
	}

	byUsername(username: string): [string, string] | undefined {
		if (this.#unindexed.length > 0) this.settle();
		return this.byId(this.#byUsername.get(String(username).toLowerCase()));
	}

	byName(name: string): [string, string] | undefined {
		if (this.#unindexed.length > 0) this.settle();
		return this.byId(this.#byName.get(String(name)));
	}

	/** GramJS's answer for a marked id: the id and the access hash as a string. */
	byId(marked: string | undefined): [string, string] | undefined {
		const row = marked === undefined ? undefined : this.#rows.get(marked);
		return row && [row[0], String(row[1])];
	}

	/**
	 * Adds a row read from the store unless a row of that peer came first (it is newer). `exact`
	 * is false when the row cannot say all the stored peer holds: it is then never "unchanged".
	 */
	adoptStored(row: EntityRow, exact: boolean): void {
		if (this.#rows.has(row[0])) return;
		this.#rows.set(row[0], row);
		this.#claim(row, phoneKey(row[3]));
		if (!exact) this.#inexact.add(row[0]);
	}

	/** After {@link adoptStored}: the queued rows' usernames, phones and names win over the store's. */
	reclaim(queued: readonly EntityRow[]): void {
		this.#unindexed = [];
		for (const row of queued) if (this.isCurrent(row)) this.#claim(row, phoneKey(row[3]));
	}

	/**
	 * Takes a row GramJS made: a new or changed one becomes current and is indexed; one equal to
	 * the current row (same hash, username, phone and name, still owning its username and phone)
	 * changes nothing.
	 */
	take(row: EntityRow): Taken {
		const marked = row[0];
		const old = this.#rows.get(marked);
		if (old === undefined) {
			// the common case of a burst of new entities: indexed later, in order
			this.#rows.set(marked, row);
			this.#unindexed.push(row);
			return "new";
		}
		if (this.#unindexed.length > 0) this.settle();
		const phone = phoneKey(row[3]);
		if (this.#unchanged(old, row, phone)) {
			// as if indexed again: the name is this row's once more
			const name = row[4];
			if (name && this.#byName.get(name) !== marked) this.#byName.set(name, marked);
			return "unchanged";
		}
		this.#unindex(old);
		if (this.#inexact.size > 0) this.#inexact.delete(marked);
		this.#rows.set(marked, row);
		this.#claim(row, phone);
		return "replaced";
	}

	/** Indexes the rows that came since the last time, in the order they came. */
	settle(): void {
		const pending = this.#unindexed;
		if (pending.length === 0) return;
		this.#unindexed = [];
		// all of them are current: a row replacing one settles the indexes first
		for (let i = 0; i < pending.length; i++) {
			const row = pending[i] as EntityRow;
			this.#claim(row, phoneKey(row[3]));
		}
	}

	/** How many entity rows are held. */
	get size(): number {
		return this.#rows.size;
	}

	/**
	 * Drops the rows held longest until at most `max` are left, except those `keep` names (rows
	 * not written yet): a bounded cache, for sessions that read the rest from the backend.
	 */
	trim(max: number, keep: ReadonlySet<string>): void {
		if (this.#rows.size <= max) return;
		this.settle();
		let excess = this.#rows.size - max;
		for (const [marked, row] of this.#rows) {
			if (excess <= 0) break;
			if (keep.has(marked)) continue;
			this.#unindex(row);
			this.#rows.delete(marked);
			if (this.#inexact.size > 0) this.#inexact.delete(marked);
			excess--;
		}
	}

	clear(): void {
		this.#unindexed = [];
		this.#rows.clear();
		this.#inexact.clear();
		this.#byUsername.clear();
		this.#byPhone.clear();
		this.#byName.clear();
	}

	/** `row` would store what `old` stored, and `old` still owns its username and phone. */
	#unchanged(old: EntityRow, row: EntityRow, phone: string | undefined): boolean {
		const marked = old[0];
		const username = row[2] || undefined;
		if ((old[2] || undefined) !== username || (old[4] || undefined) !== (row[4] || undefined))
			return false;
		if (old[3] !== row[3] && phoneKey(old[3]) !== phone) return false;
		if (hashOf(old[1]) !== hashOf(row[1])) return false;
		if (this.#inexact.size > 0 && this.#inexact.has(marked)) return false;
		// a username or phone another peer took since is the backend's too: claim it back
		if (username !== undefined && this.#byUsername.get(username) !== marked) return false;
		return phone === undefined || this.#byPhone.get(phone) === marked;
	}

	/** Points the row's username, phone and name at it (a later row with one takes it over). */
	#claim(row: EntityRow, phone: string | undefined): void {
		const marked = row[0];
		if (row[2]) this.#byUsername.set(row[2], marked);
		if (phone !== undefined) this.#byPhone.set(phone, marked);
		if (row[4]) this.#byName.set(row[4], marked);
	}

	/** Drops the indexes that still point at a row being replaced. */
	#unindex(old: EntityRow): void {
		const marked = old[0];
		if (old[2] && this.#byUsername.get(old[2]) === marked) this.#byUsername.delete(old[2]);
		const phone = phoneKey(old[3]);
		if (phone !== undefined && this.#byPhone.get(phone) === marked) this.#byPhone.delete(phone);
		if (old[4] && this.#byName.get(old[4]) === marked) this.#byName.delete(old[4]);
	}
}
