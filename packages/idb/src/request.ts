// IndexedDB's callbacks as promises. Awaiting these inside a transaction keeps it alive: the
// promise settles in the request's success event, and its continuation runs before the
// transaction can commit. Awaiting anything else (WebCrypto, a timer) would let it commit early,
// so everything slow is done before a transaction opens.

/** The result of one request. */
export function requested<T>(request: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}

/** Settles when `tx` has committed (or rejects with why it aborted). */
export function committed(tx: IDBTransaction): Promise<void> {
	return new Promise((resolve, reject) => {
		tx.oncomplete = () => resolve();
		tx.onabort = () => reject(tx.error ?? new DOMException("transaction aborted", "AbortError"));
		tx.onerror = (event) => event.preventDefault(); // reported once, through onabort
	});
}

/**
 * Runs `body` in one transaction over `stores` and resolves with its result once the transaction
 * has committed. A throw in `body` aborts the transaction: nothing it wrote is kept.
 */
export async function inTransaction<T>(
	db: IDBDatabase,
	stores: readonly string[],
	mode: IDBTransactionMode,
	body: (tx: IDBTransaction) => Promise<T>,
): Promise<T> {
	const tx = db.transaction([...stores], mode, { durability: "strict" });
	const done = committed(tx);
	let result: T;
	try {
		result = await body(tx);
	} catch (error) {
		try {
			tx.abort();
		} catch {
			// already finished or aborted
		}
		await done.catch(() => undefined);
		throw error;
	}
	await done;
	return result;
}
