// better-sqlite3 and libsql run every statement on a local file synchronously on the main thread,
// and an awaited call on them resolves as a microtask: a closed loop of calls (one account, or a
// thousand) would never let the event loop turn, so timers (lease renewals, the caller's own) and
// I/O would wait for the whole load. The drivers therefore count the synchronous work since the
// loop last turned and, once it exceeds a slice, let the loop turn (setImmediate) before their
// next task. One slice for the whole process: every driver's work counts against the same turn.

/** Continuous synchronous database work allowed before the event loop is let through (ms). */
const SLICE_MS = 4;

/**
 * A closed loop of lookups may run longer before the loop turns: a turn costs a few hundred µs
 * under load (the read snapshot ends, the next lookup goes through the queue), about 10 % of
 * the lookups of a 4 ms slice; at 20 ms it is about 2 %, and the event loop still turns well
 * within 50 ms.
 */
const LOOKUP_SLICE_MS = 20;

/** When the current slice of work began; `undefined` once the event loop has turned since. */
let sliceStart: number | undefined;

function turned(): void {
	sliceStart = undefined;
}

/** Notes that database work runs now: the first of a turn starts a slice. */
function startSlice(): void {
	if (sliceStart !== undefined) return;
	sliceStart = performance.now();
	setImmediate(turned); // resets the slice when the loop reaches its check phase
}

/** Whether this turn has used its slice of work. */
function sliceUsed(): boolean {
	if (sliceStart === undefined) {
		startSlice();
		return false;
	}
	return performance.now() - sliceStart >= SLICE_MS;
}

/** Calls of {@link lookupSliceUsed} left before it reads the clock again. */
let uncheckedLookups = 0;

/**
 * Whether a synchronous lookup (`SqlDriver.readNow`) should go through the database's queue
 * instead, which lets the event loop turn: this turn has run 20 ms of database work (a longer
 * slice than the 4 ms that queued writes get, as a turn costs a closed loop of lookups a larger
 * share of its work). Counts as database work: the first call of a turn starts the slice.
 * Lookups take a few µs each, so the clock is read every 16th call only.
 */
export function lookupSliceUsed(): boolean {
	if (sliceStart !== undefined && uncheckedLookups > 0) {
		uncheckedLookups--;
		return false;
	}
	uncheckedLookups = 15;
	if (sliceStart === undefined) {
		startSlice();
		return false;
	}
	return performance.now() - sliceStart >= LOOKUP_SLICE_MS;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Before a queued statement or transaction (never inside one): lets the event loop turn once
 * when this turn has run 4 ms of database work (timers, I/O and other callbacks run), then
 * starts a new slice. Resolves at once otherwise.
 */
export async function yieldWhenSliceUsed(): Promise<void> {
	if (!sliceUsed()) return;
	await turn();
	startSlice();
}
