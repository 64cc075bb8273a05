// The process-wide slice of synchronous database work (`@x/session-core/node`), Node-only. Tested
// by order against the event loop: what the loop runs before or after a call resolves.
import { describe, expect, it } from "vitest";
import { lookupSliceUsed, yieldWhenSliceUsed } from "../src/node/time-slice.js";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Synchronous work of at least `ms` (the clock is monotonic). */
function work(ms: number): void {
	const until = performance.now() + ms;
	while (performance.now() < until);
}

/** `lookupSliceUsed` reads the clock every 16th call: calls it until it does. */
function lookupSliceUsedNow(): boolean {
	let used = false;
	for (let i = 0; i < 16; i++) used = lookupSliceUsed() || used;
	return used;
}

/** Whether the event loop turns before `yieldWhenSliceUsed()` resolves. */
async function yieldTurnsTheLoop(): Promise<boolean> {
	let turned = false;
	setImmediate(() => {
		turned = true;
	});
	await yieldWhenSliceUsed();
	return turned;
}

describe("time slice", () => {
	it("a queued task does not yield while the turn's slice is unused", async () => {
		await turn();
		expect(await yieldTurnsTheLoop(), "the first call starts the slice").toBe(false);
		expect(await yieldTurnsTheLoop()).toBe(false);
	});

	it("once 4 ms of work are used, a queued task lets the loop turn first, then starts a new slice", async () => {
		await turn();
		await yieldWhenSliceUsed(); // starts the slice
		work(5);
		expect(await yieldTurnsTheLoop()).toBe(true);
		expect(await yieldTurnsTheLoop(), "the new slice is fresh").toBe(false);
	});

	it("lookups go on past the 4 ms slice and stop after 20 ms, until the loop turns", async () => {
		await turn();
		expect(lookupSliceUsedNow()).toBe(false); // starts the slice
		work(5);
		expect(lookupSliceUsedNow(), "past the write slice, within the lookup slice").toBe(false);
		work(20);
		expect(lookupSliceUsedNow(), "past the lookup slice").toBe(true);
		await turn();
		expect(lookupSliceUsedNow(), "after the loop turned").toBe(false);
	});

	it("lookups and queued tasks share one slice per turn", async () => {
		await turn();
		lookupSliceUsedNow(); // a lookup starts the slice
		work(5);
		expect(await yieldTurnsTheLoop()).toBe(true);
	});
});
