import type { SqlDriver, SqlExecutor, SqlParam, SqlRow } from "./driver.js";
import type { Lease } from "./lease.js";

/**
 * How a keeper renews a batch of leases in one statement: `sql(n)` for `n` leases, bound with
 * `params(expiresAt, sessionIds, owners)`, returning the `owner` of every row it renewed. The
 * default is portable SQL with `IN (…)` lists; a dialect that binds arrays can pass one statement
 * for any number (PostgreSQL: `session_id = ANY(?::text[]) AND owner = ANY(?::text[])`).
 */
export interface LeaseRenewal {
	/** At most this many leases per statement (a statement's parameter limit). */
	readonly maxBatch: number;
	sql(count: number): string;
	params(expiresAt: number, sessionIds: readonly string[], owners: readonly string[]): SqlParam[];
}

/** Leases per statement: 2 parameters each, far below SQLite's 32 766 and PostgreSQL's 65 535. */
const IN_LIST_BATCH = 4096;

/** The size a batch is padded to (repeating its last lease): a few statement texts, not one per size. */
function paddedSize(n: number): number {
	let size = 8;
	while (size < n) size *= 2;
	return size;
}

/**
 * `UPDATE … WHERE session_id IN (…) AND owner IN (…)`: owners are random per instance, so a row
 * matches only the session of its own owner; the session ids let the primary key find the rows.
 */
export const inListRenewal: LeaseRenewal = {
	maxBatch: IN_LIST_BATCH,
	sql(count) {
		const list = `(${Array.from({ length: paddedSize(count) }, () => "?").join(", ")})`;
		return `UPDATE xs_leases SET expires_at = ? WHERE session_id IN ${list} AND owner IN ${list} RETURNING owner`;
	},
	params(expiresAt, sessionIds, owners) {
		const size = paddedSize(sessionIds.length);
		const pad = (values: readonly string[]) =>
			values.concat(Array(size - values.length).fill(values[values.length - 1]));
		return [expiresAt, ...pad(sessionIds), ...pad(owners)];
	},
};

/** What a keeper needs of the connection: a statement outside any transaction. */
export type LeaseKeeperExecutor = Pick<SqlExecutor, "all">;

/**
 * Keeps the leases of every session open on one connection (or pool, or client) alive: one timer
 * and one renewal statement per interval (a third of the shortest lease's lifetime) for all of
 * them, instead of a timer and a transaction per session. A lease the statement did not renew
 * was taken over: it is marked lost, and its session's next write is refused with
 * `SessionLockedError` (the write's own check inside its transaction reads who holds it).
 *
 * A backend package that shares one connection between sessions makes one keeper for it and
 * hands it out as `SqlDriver.leaseKeeper`; a driver without one gets a keeper of its own
 * ({@link leaseKeeperOf}). The timer runs while at least one lease is held and is cleared when
 * the last is released; it does not keep the process alive (unref), as no open session does.
 */
export class LeaseKeeper {
	readonly #db: LeaseKeeperExecutor;
	readonly #renewal: LeaseRenewal;
	readonly #leases = new Set<Lease>();
	#timer: ReturnType<typeof setTimeout> | undefined;
	#interval = 0;
	#pass: Promise<void> | undefined;
	/** Renewal statements run so far (for tests and diagnostics). */
	statements = 0;

	constructor(db: LeaseKeeperExecutor, options: { renewal?: LeaseRenewal } = {}) {
		this.#db = db;
		this.#renewal = options.renewal ?? inListRenewal;
	}

	/** Leases held now. */
	get size(): number {
		return this.#leases.size;
	}

	/** Whether the renewal timer is scheduled (some lease is held). */
	get running(): boolean {
		return this.#timer !== undefined;
	}

	/** Renews `lease` from now on, with the others, until {@link release}. */
	hold(lease: Lease): void {
		this.#leases.add(lease);
		this.#schedule();
	}

	/** Stops renewing `lease`; the timer is cleared with the last one. */
	release(lease: Lease): void {
		this.#leases.delete(lease);
		this.#schedule();
	}

	/** (Re)arms the timer for a third of the shortest lifetime held, or clears it when none is. */
	#schedule(): void {
		let shortest = Number.POSITIVE_INFINITY;
		for (const lease of this.#leases) shortest = Math.min(shortest, lease.ttl);
		const interval = this.#leases.size === 0 ? 0 : Math.max(1, Math.floor(shortest / 3));
		if (interval === this.#interval && (this.#timer !== undefined || this.#pass)) return;
		this.#interval = interval;
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		if (interval === 0 || this.#pass) return; // a running pass re-arms when it ends
		this.#arm();
	}

	#arm(): void {
		const timer = setTimeout(() => {
			this.#timer = undefined;
			void this.renewNow(); // never rejects; re-arms when done
		}, this.#interval);
		(timer as { unref?: () => void }).unref?.();
		this.#timer = timer;
	}

	/**
	 * Renews every lease held now, in one statement per lifetime (and per `maxBatch` leases);
	 * resolves once done, never rejects (a failed renewal is retried at the next interval, and a
	 * session's write renews its own lease when the keeper has fallen behind).
	 */
	renewNow(): Promise<void> {
		this.#pass ??= this.#renewAll().finally(() => {
			this.#pass = undefined;
			if (this.#timer === undefined && this.#leases.size > 0) this.#arm();
		});
		return this.#pass;
	}

	async #renewAll(): Promise<void> {
		const byTtl = new Map<number, Lease[]>();
		for (const lease of this.#leases) {
			if (lease.lost) continue;
			const group = byTtl.get(lease.ttl);
			if (group) group.push(lease);
			else byTtl.set(lease.ttl, [lease]);
		}
		for (const [ttl, leases] of byTtl) {
			for (let i = 0; i < leases.length; i += this.#renewal.maxBatch) {
				await this.#renewBatch(ttl, leases.slice(i, i + this.#renewal.maxBatch));
			}
		}
	}

	async #renewBatch(ttl: number, leases: Lease[]): Promise<void> {
		const now = Date.now();
		const ids = leases.map((l) => l.sessionId);
		const owners = leases.map((l) => l.owner);
		let rows: SqlRow[];
		try {
			this.statements++;
			rows = await this.#db.all(
				this.#renewal.sql(leases.length),
				this.#renewal.params(now + ttl, ids, owners),
			);
		} catch {
			return; // unchanged: retried at the next interval
		}
		const renewed = new Set(rows.map((r) => String(r.owner)));
		for (const lease of leases) {
			if (renewed.has(lease.owner)) lease.markRenewed(now);
			else if (this.#leases.has(lease)) {
				// taken over (or deleted as expired): fenced from now on, no longer renewed
				lease.markLost();
				this.#leases.delete(lease);
			}
		}
	}
}

const ownKeepers = new WeakMap<SqlDriver, LeaseKeeper>();

/**
 * The keeper of the connection `driver` runs on: `driver.leaseKeeper` when the driver shares one
 * with other sessions' drivers, else one per driver object.
 */
export function leaseKeeperOf(driver: SqlDriver): LeaseKeeper {
	if (driver.leaseKeeper) return driver.leaseKeeper;
	let keeper = ownKeepers.get(driver);
	if (!keeper) {
		keeper = new LeaseKeeper(driver);
		ownKeepers.set(driver, keeper);
	}
	return keeper;
}
