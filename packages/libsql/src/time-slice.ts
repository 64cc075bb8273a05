// libsql runs every local statement synchronously on the main thread, and an awaited call on it
// resolves as a microtask: a closed loop of calls (one account, or a thousand) would never let
// the event loop turn, so timers (lease renewals, the caller's own) and I/O would wait for the
// whole load. The driver counts the synchronous work since the loop last turned and, once it
// exceeds a slice, lets the loop turn (setImmediate) before its next statement. (The same
// mechanism as the SQLite backend's driver.)

/** Continuous synchronous database work allowed before the event loop is let through (ms). */
export const SLICE_MS = 10;

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

/** Whether this turn has used its slice (a lookup then goes through the queue, which yields). */
export function sliceUsed(): boolean {
	if (sliceStart === undefined) {
		startSlice();
		return false;
	}
	return performance.now() - sliceStart >= SLICE_MS;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Before a queued statement or transaction: lets the event loop turn once when this turn's slice
 * is used (timers, I/O and other callbacks run), then starts a new slice.
 */
export async function yieldWhenSliceUsed(): Promise<void> {
	if (!sliceUsed()) return;
	await turn();
	startSlice();
}
