// One measurement: N sessions of one subject opened on a fresh location, loaded, closed, and
// what the process held along the way (connections, descriptors, memory, handles), including
// what is still held after close.
import { closedLoop, finalWrites, type LoadResult } from "./load.js";
import {
	activeResources,
	collectGarbage,
	openDescriptors,
	residentBytes,
} from "./process-stats.js";
import { type RivalResult, startRival } from "./rival-process.js";
import type { Stores } from "./stores.js";
import { type Subject, sessionIdOf } from "./subject.js";

export interface AccountsRow {
	backend: string;
	subject: string;
	n: number;
	opened: number;
	openSeconds: number;
	load: LoadResult;
	/** Server connections this process held while the sessions were open (most seen). */
	serverConnections: number | undefined;
	/** Descriptors, ref'd timers and other handles added by the open sessions. */
	descriptors: number;
	timers: number;
	handles: number;
	/** Resident memory added per open session (NaN below {@link RSS_MIN_N}: noise). */
	rssPerSessionKiB: number;
	/** What close() left behind: descriptors, connections, timers, handles. */
	leftAfterClose: string;
	/** With a lease TTL set: the rival process's attempts to take sessions over. */
	rival?: RivalResult;
	shortBecause?: string;
}

/** Below this many sessions, a few hundred KiB of allocator noise would swamp the figure. */
export const RSS_MIN_N = 100;
/** Sessions the rival process tries to take over (spread over all N). */
export const RIVAL_SESSIONS = 10;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What is still held compared to `before`, or "nothing". */
async function leftOver(
	before: { fds: number; timers: number; other: number },
	connections: () => Promise<number | undefined>,
): Promise<string> {
	const res = activeResources();
	const left = {
		fds: openDescriptors() - before.fds,
		conns: (await connections()) ?? 0,
		timers: res.timers - before.timers,
		handles: res.other - before.other,
	};
	return left.fds <= 0 && left.conns === 0 && left.timers <= 0 && left.handles <= 0
		? "nothing"
		: `${left.fds} fd, ${left.conns} conn, ${left.timers} timers, ${left.handles} handles`;
}

export async function measure(
	subject: Subject,
	n: number,
	seconds: number,
	stores: Stores,
	leaseTtlMs?: number,
): Promise<AccountsRow> {
	const at = stores.fresh(subject.backend);
	// what an earlier measurement left for the collector is freed before the baseline
	collectGarbage();
	await pause(100);
	const res0 = activeResources();
	const before = { fds: openDescriptors(), timers: res0.timers, other: res0.other };
	const rss0 = residentBytes();
	const connections = () => stores.connections(subject.backend);
	try {
		const t0 = performance.now();
		const sessions = await subject.open(n, at, stores, leaseTtlMs);
		const openSeconds = (performance.now() - t0) / 1000;
		const opened = sessions.writers.length;
		let load: LoadResult | undefined;
		let serverConnections: number | undefined;
		let rival: RivalResult | undefined;
		let held = { fds: 0, timers: 0, handles: 0, rss: Number.NaN };
		try {
			const res1 = activeResources();
			held = {
				fds: openDescriptors() - before.fds,
				timers: res1.timers - before.timers,
				handles: res1.other - before.other,
				rss: opened >= RSS_MIN_N ? (residentBytes() - rss0) / opened / 1024 : Number.NaN,
			};
			serverConnections = await connections();
			const challenger =
				leaseTtlMs && subject.kind === "x-session" && opened > 0
					? await startRival({
							backend: subject.backend,
							at,
							leaseTtlMs,
							sessionIds: Array.from({ length: Math.min(RIVAL_SESSIONS, opened) }, (_, k) =>
								sessionIdOf(Math.floor((k * opened) / Math.min(RIVAL_SESSIONS, opened))),
							),
						})
					: undefined;
			challenger?.go();
			load = await closedLoop(sessions.writers, seconds);
			rival = await challenger?.stop();
			await finalWrites(sessions.writers, load);
			const after = await connections();
			if (after !== undefined) serverConnections = Math.max(serverConnections ?? 0, after);
		} finally {
			await sessions.close();
		}
		await pause(200);
		let leftAfterClose = await leftOver(before, connections);
		if (leftAfterClose !== "nothing") {
			collectGarbage();
			await pause(100);
			const afterGc = await leftOver(before, connections);
			leftAfterClose +=
				afterGc === "nothing" ? " (nothing after a GC)" : ` (after a GC: ${afterGc})`;
		}
		return {
			backend: subject.backend,
			subject: subject.kind,
			n,
			opened,
			openSeconds,
			load,
			serverConnections,
			descriptors: held.fds,
			timers: held.timers,
			handles: held.handles,
			rssPerSessionKiB: held.rss,
			leftAfterClose,
			...(rival ? { rival } : {}),
			...(sessions.shortBecause ? { shortBecause: sessions.shortBecause } : {}),
		};
	} finally {
		await stores.drop(subject.backend, at);
	}
}
