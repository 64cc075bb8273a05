// One writer per session across the tabs, workers and iframes of an origin, through the Web
// Locks API. The browser releases a lock when its holder's page or worker goes away (a closed
// or crashed tab, a navigation), so the next open succeeds without waiting for any timeout.
import { SessionBackendError, SessionLockedError } from "@x/session-core";

const BACKEND = "idb";

/** A held Web Lock; `release()` lets the next tab in. */
export interface Lease {
	release(): void;
}

/** The lock name of one session of one database. */
export function lockName(database: string, sessionId: string): string {
	return `x-session:idb:${database}:${sessionId}`;
}

function locks(): LockManager {
	const manager = globalThis.navigator?.locks;
	if (!manager)
		throw new SessionBackendError(
			"UNSUPPORTED",
			"the Web Locks API (navigator.locks) is not available here; open with readOnly: true, or use a browser with Web Locks (every current one, in a secure context)",
			{ backend: BACKEND },
		);
	return manager;
}

function lockedError(database: string, sessionId: string): SessionLockedError {
	return new SessionLockedError(
		`session "${sessionId}" of IndexedDB database "${database}" is open for writing in another tab or worker of this origin; close it there (its lock is released when that tab closes), or open with readOnly: true`,
		{ backend: BACKEND, holder: { owner: "another tab or worker of this origin" } },
	);
}

/** Takes the session's lock now, or rejects with `SessionLockedError` when another holds it. */
export function acquireLease(database: string, sessionId: string): Promise<Lease> {
	const manager = locks();
	return new Promise((resolve, reject) => {
		manager
			.request(lockName(database, sessionId), { ifAvailable: true }, (lock) => {
				if (!lock) {
					reject(lockedError(database, sessionId));
					return undefined;
				}
				// the lock is held until this promise settles
				return new Promise<void>((release) => resolve({ release: () => release() }));
			})
			.catch(reject);
	});
}

/** Runs `task` holding the session's lock, or rejects with `SessionLockedError` when it is held. */
export async function withLease<T>(
	database: string,
	sessionId: string,
	task: () => Promise<T>,
): Promise<T> {
	const lease = await acquireLease(database, sessionId);
	try {
		return await task();
	} finally {
		lease.release();
	}
}

export { lockedError };
