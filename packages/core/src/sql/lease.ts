import { type LockHolder, SessionLockedError } from "../errors.js";
import type { Dialect } from "./dialect.js";
import type { SqlDriver, SqlExecutor } from "./driver.js";
import { guard } from "./guard.js";

// Single-writer leases: one xs_leases row per session, naming the instance (a random owner), its
// process and host, and when the lease expires. Every write of the holder first checks, inside
// its own transaction, that it still holds the lease (fencing).

/**
 * Taking and releasing a lease need not reach the disk before the call returns: the row is seen
 * by every connection at once (SQLite: all of them on this host, through the WAL index), and what
 * a power loss undoes it undoes for a holder that is gone with it. The holder's first durable
 * write syncs the log up to it, its lease included, so nothing it wrote outlives its lease; a
 * lost take leaves the row as it was (free, expired or a dead process's: the next open takes it),
 * a lost release leaves a dead process's lease (taken at once on its host, else when it expires).
 */
export const NOT_DURABLE = { durable: false } as const;

/**
 * Takes the lease on session `id` for `owner`: free, expired, or held by a dead process of this
 * host. Retries every 100 ms for `waitMs`, then rejects with `SessionLockedError`.
 */
export async function acquireLease(
	db: SqlDriver,
	id: string,
	owner: string,
	ttl: number,
	waitMs: number,
): Promise<void> {
	const deadline = Date.now() + waitMs;
	for (;;) {
		const held = await guard(db, "open", () =>
			db.transaction(async (tx) => {
				const holder = await leaseHolder(tx, id);
				const now = Date.now();
				const dead =
					holder?.pid !== undefined &&
					holder.host === db.processInfo?.host &&
					db.isProcessAlive?.(holder.pid) === false;
				if (holder && (holder.expiresAt ?? 0) > now && !dead) return holder;
				await tx.run(
					`INSERT INTO xs_leases (session_id, owner, pid, host, expires_at) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (session_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
						host = excluded.host, expires_at = excluded.expires_at`,
					[id, owner, db.processInfo?.pid ?? null, db.processInfo?.host ?? null, now + ttl],
				);
				return undefined;
			}, NOT_DURABLE),
		);
		if (!held) return;
		if (Date.now() >= deadline) {
			throw new SessionLockedError(
				`session "${id}" in ${db.location} is held by ${describeHolder(held)}`,
				{
					backend: db.name,
					holder: held,
				},
			);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Who holds the lease on session `id`, if anyone (expired or not). */
export async function leaseHolder(db: SqlExecutor, id: string): Promise<LockHolder | undefined> {
	const [row] = await db.all(
		"SELECT owner, pid, host, expires_at FROM xs_leases WHERE session_id = ?",
		[id],
	);
	if (!row) return undefined;
	return {
		owner: String(row.owner),
		...(row.pid !== null ? { pid: Number(row.pid) } : {}),
		...(row.host !== null ? { host: String(row.host) } : {}),
		expiresAt: Number(row.expires_at),
	};
}

export function describeHolder(h: LockHolder): string {
	const who =
		h.pid !== undefined ? `pid ${h.pid}${h.host ? ` on ${h.host}` : ""}` : `owner ${h.owner}`;
	return h.expiresAt ? `${who} (lease until ${new Date(h.expiresAt).toISOString()})` : who;
}

export function randomOwner(): string {
	const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * One instance's lease, checked inside each of its write transactions, under which no other
 * instance can take it over (the write lock; on PostgreSQL a row lock): extended when a third of
 * its lifetime has passed since it last was (or when `renew`), and otherwise only read (a renewal
 * on every write would add a page to every commit, and a dead row version on PostgreSQL).
 */
export class Lease {
	/** When this instance last wrote its lease's expiry (acquired on open). */
	#renewedAt = Date.now();
	#lost = false;

	constructor(
		readonly sessionId: string,
		readonly owner: string,
		readonly ttl: number,
		private readonly dialect: Dialect,
		private readonly backend: string,
	) {}

	/** Set once a renewal found the lease taken over: every later check refuses. */
	get lost(): boolean {
		return this.#lost;
	}

	/**
	 * Whether a write's check at `now` would only read the owner: not known lost, no renewal due
	 * (a write may then check it inside its own statement, `Dialect.fencedWrite`).
	 */
	checkOnly(now: number): boolean {
		return !this.#lost && now - this.#renewedAt < this.ttl / 3;
	}

	/** A renewal outside a write (the connection's `LeaseKeeper`) wrote `now + ttl` at `at`. */
	markRenewed(at: number): void {
		if (at > this.#renewedAt) this.#renewedAt = at;
	}

	/** A renewal found another owner (or no row): the lease is not ours any more. */
	markLost(): void {
		this.#lost = true;
	}

	async check(tx: SqlExecutor, operation: string, renew: boolean): Promise<void> {
		const now = Date.now();
		if (this.#lost) {
			// known lost: refused below with who holds it now
		} else if (!renew && now - this.#renewedAt < this.ttl / 3) {
			const [row] = await tx.all(this.dialect.leaseOwnerSql, [this.sessionId]);
			if (row?.owner === this.owner) return;
		} else {
			const { changes } = await tx.run(
				"UPDATE xs_leases SET expires_at = ? WHERE session_id = ? AND owner = ?",
				[now + this.ttl, this.sessionId, this.owner],
			);
			if (changes === 1) {
				this.#renewedAt = now;
				return;
			}
		}
		this.#lost = true;
		const holder = await leaseHolder(tx, this.sessionId);
		throw new SessionLockedError(
			`${operation}: the lease on session "${this.sessionId}" was lost${holder ? ` to ${describeHolder(holder)}` : ""}`,
			{ backend: this.backend, ...(holder ? { holder } : {}) },
		);
	}
}
