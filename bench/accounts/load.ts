// The closed-loop load: every session runs one operation after another for a fixed time
// (applyUpdateState, every 10th operation cachePeers of 10 peers), while the event loop's delay
// and a 100 ms timer's lateness are watched.

import { createHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { CachedPeer } from "@x/session-core";
import { SessionLockedError } from "@x/session-core";

/** One session's writes, as the subject performs them (our backend or the raw driver). */
export interface SessionWriter {
	applyUpdateState(pts: number, date: number, seq: number): Promise<void>;
	cachePeers(peers: CachedPeer[]): Promise<void>;
}

export const PEERS_PER_BATCH = 10;
/** Distinct peers per session the batches cycle through: inserts first, then updates. */
const PEER_SPACE = 1000;

export interface LoadResult {
	ops: number;
	opsPerSecond: number;
	p50Ms: number;
	p99Ms: number;
	loopDelayP99Ms: number;
	loopDelayMaxMs: number;
	/** How late the 100 ms timer fired at worst. */
	timerLateMs: number;
	errors: number;
	lostLeases: number;
	/** The first message of each kind of error, for the notes. */
	errorSamples: string[];
	/** The writers an error stopped. */
	stopped: Set<number>;
}

function peersFor(session: number, op: number): CachedPeer[] {
	const out: CachedPeer[] = [];
	for (let k = 0; k < PEERS_PER_BATCH; k++) {
		const n = (op * PEERS_PER_BATCH + k) % PEER_SPACE;
		out.push({
			kind: "user",
			id: BigInt(1_000_000 + session * PEER_SPACE + n),
			accessHash: BigInt(op + 1) * 7919n,
			channelKind: null,
		});
	}
	return out;
}

/** A 100 ms timer re-armed each time it fires; `stop()` waits for the armed one (it may be late). */
function lateTimer(): { stop(): Promise<number> } {
	let worst = 0;
	let stopping = false;
	let fired: () => void = () => {};
	const arm = () => {
		const due = performance.now() + 100;
		setTimeout(() => {
			worst = Math.max(worst, performance.now() - due);
			if (stopping) fired();
			else arm();
		}, 100);
	};
	arm();
	return {
		stop: () =>
			new Promise<number>((resolve) => {
				stopping = true;
				fired = () => resolve(worst);
			}),
	};
}

/** Runs every writer in a closed loop for `seconds`; an error ends that writer's loop. */
export async function closedLoop(writers: SessionWriter[], seconds: number): Promise<LoadResult> {
	const latency = createHistogram();
	const loop = monitorEventLoopDelay({ resolution: 10 });
	const samples = new Map<string, string>();
	const stopped = new Set<number>();
	let ops = 0;
	let errors = 0;
	let lostLeases = 0;
	loop.enable();
	// the monitor records the gap between two of its ticks: let it tick before the load, so a
	// loop blocked from the first operation on is recorded too
	await new Promise((r) => setTimeout(r, 50));
	const timer = lateTimer();
	const started = performance.now();
	const deadline = started + seconds * 1000;
	const date = Math.floor(Date.now() / 1000);
	await Promise.all(
		writers.map(async (w, s) => {
			for (let op = 0; performance.now() < deadline; op++) {
				const t0 = performance.now();
				try {
					if (op % 10 === 9) await w.cachePeers(peersFor(s, op));
					else await w.applyUpdateState(op + 1, date + op, op);
				} catch (error) {
					const name = error instanceof Error ? error.name : "Error";
					if (error instanceof SessionLockedError) lostLeases++;
					else errors++;
					if (!samples.has(name))
						samples.set(name, `${name}: ${error instanceof Error ? error.message : String(error)}`);
					stopped.add(s);
					return;
				}
				latency.record(Math.max(1, Math.round((performance.now() - t0) * 1e6)));
				ops++;
			}
		}),
	);
	const elapsed = (performance.now() - started) / 1000;
	// the timer and the delay monitor see a blocked loop only once it runs again
	const timerLateMs = await timer.stop();
	loop.disable();
	const ms = (ns: number) => ns / 1e6;
	return {
		ops,
		opsPerSecond: ops / elapsed,
		p50Ms: ops > 0 ? ms(latency.percentile(50)) : Number.NaN,
		p99Ms: ops > 0 ? ms(latency.percentile(99)) : Number.NaN,
		loopDelayP99Ms: loop.count > 0 ? ms(loop.percentile(99)) : Number.NaN,
		loopDelayMaxMs: loop.count > 0 ? ms(loop.max) : Number.NaN,
		timerLateMs,
		errors,
		lostLeases,
		errorSamples: [...samples.values()],
		stopped,
	};
}

/**
 * One more write by every writer still running: a lease taken over after a session's last write
 * of the load (or between its writes, unnoticed) is refused here. Counted into `result`.
 */
export async function finalWrites(writers: SessionWriter[], result: LoadResult): Promise<void> {
	const date = Math.floor(Date.now() / 1000);
	await Promise.all(
		writers.map(async (w, s) => {
			if (result.stopped.has(s)) return;
			try {
				await w.applyUpdateState(1_000_000, date, 1_000_000);
			} catch (error) {
				if (error instanceof SessionLockedError) result.lostLeases++;
				else result.errors++;
				const name = error instanceof Error ? error.name : "Error";
				const line = `${name} (final write): ${error instanceof Error ? error.message : String(error)}`;
				if (!result.errorSamples.some((e) => e.startsWith(`${name} (final write)`)))
					result.errorSamples.push(line);
				result.stopped.add(s);
			}
		}),
	);
}
