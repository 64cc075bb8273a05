// What a measured subject is: a way to open N sessions on one location, as writers for the load.
import type { SessionWriter } from "./load.js";
import type { BackendName, Location, Stores } from "./stores.js";

/** N sessions opened on one location. */
export interface OpenedSessions {
	writers: SessionWriter[];
	/** Why fewer than N were opened (a failed open, or the PostgreSQL headroom). */
	shortBecause?: string;
	/** Closes every session and connection the subject opened. */
	close(): Promise<void>;
}

export interface Subject {
	backend: BackendName;
	/** "x-session" (the default API, one open per session) or "raw driver". */
	kind: "x-session" | "raw driver";
	/** How it is opened, for the notes. */
	how: string;
	/** What a returned write survives. */
	durability(stores: Stores): Promise<string>;
	/** `leaseTtlMs`: given to our backends' open (the raw drivers take no lease). */
	open(n: number, at: Location, stores: Stores, leaseTtlMs?: number): Promise<OpenedSessions>;
}

/**
 * Opens sessions `batch` at a time until `n` are open, an open fails, or `refuse` (asked before
 * each batch) gives a reason to stop.
 */
export async function openMany<T>(
	n: number,
	batch: number,
	openOne: (i: number) => Promise<T>,
	refuse: (about: number) => Promise<string | undefined> = async () => undefined,
): Promise<{ opened: T[]; shortBecause?: string }> {
	const opened: T[] = [];
	while (opened.length < n) {
		const size = Math.min(batch, n - opened.length);
		const why = await refuse(size);
		if (why) return { opened, shortBecause: why };
		const base = opened.length;
		const results = await Promise.allSettled(
			Array.from({ length: size }, (_, k) => openOne(base + k)),
		);
		for (const r of results) if (r.status === "fulfilled") opened.push(r.value);
		const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
		if (failed) {
			const e = failed.reason;
			const what =
				e instanceof Error
					? `${e.name}${"code" in e ? ` ${String(e.code)}` : ""}: ${e.message}`
					: String(e);
			return { opened, shortBecause: `open ${opened.length + 1} failed: ${what}` };
		}
	}
	return { opened };
}

export const sessionIdOf = (i: number) => `acc-${i}`;
