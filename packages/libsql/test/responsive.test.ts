// libsql runs local statements synchronously on the main thread; a closed loop of awaited calls
// must still let the event loop turn (timers, lease renewals, I/O), as on the SQLite backend.
// Checked by order, not by time: a timer due at once fires before the loop ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testPeers } from "@x/session-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { LibsqlSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function url(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-libsql-loop-"));
	dirs.push(dir);
	return `file:${join(dir, "s.db")}`;
}

/** Runs `calls` awaited calls; returns how many had completed when a timer set first fired. */
async function callsBeforeTimer(calls: number, call: (i: number) => Promise<unknown>) {
	let done = 0;
	let firedAfter: number | undefined;
	setTimeout(() => {
		firedAfter = done;
	}, 0);
	for (let i = 0; i < calls; i++) {
		await call(i);
		done++;
	}
	return firedAfter;
}

describe("a closed loop of local calls lets the event loop turn", () => {
	it("lookups (answered at once while nothing is queued)", async () => {
		const b = await LibsqlSessionBackend.open({ url: url() });
		const peers = testPeers(1000, 4);
		await b.cachePeers(peers);
		const calls = 20_000;
		const fired = await callsBeforeTimer(calls, (i) => {
			const p = peers[i % peers.length] as (typeof peers)[number];
			return b.getPeer(p.kind, p.id);
		});
		expect(fired).toBeDefined();
		expect(fired).toBeLessThan(calls);
		await b.close();
	});

	it("writes (one transaction each), across the sessions sharing the file", async () => {
		const target = url();
		const sessions = await Promise.all(
			["a", "b", "c"].map((sessionId) =>
				LibsqlSessionBackend.open({ url: target, sessionId, synchronous: "normal" }),
			),
		);
		const calls = 3000;
		const fired = await callsBeforeTimer(calls, (i) =>
			(sessions[i % 3] as LibsqlSessionBackend).applyUpdateState({
				type: "primary",
				pts: i + 1,
				date: i,
				seq: i,
			}),
		);
		expect(fired).toBeDefined();
		expect(fired).toBeLessThan(calls);
		for (const s of sessions) await s.close();
	});
});
