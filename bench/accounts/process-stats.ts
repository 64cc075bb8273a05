// What one process holds, read from the process itself: descriptors (/proc/self/fd), memory,
// active handles, and its TCP connections to a server port (/proc/self/net/tcp*).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** A full garbage collection, so RSS deltas measure what is held, not what is waiting to be freed. */
export const collectGarbage = runInNewContext("gc") as () => void;

/** Open file descriptors of this process. */
export function openDescriptors(): number {
	return readdirSync("/proc/self/fd").length;
}

/** Resident memory in bytes, after a full collection. */
export function residentBytes(): number {
	collectGarbage();
	return process.memoryUsage.rss();
}

/**
 * Active handles and requests by kind (`process.getActiveResourcesInfo()`): ref'd timers show as
 * `Timeout`; an unref'd timer or socket is not listed at all.
 */
export function activeResources(): { timers: number; other: number } {
	const info = process.getActiveResourcesInfo();
	const timers = info.filter((k) => k === "Timeout").length;
	return { timers, other: info.length - timers };
}

function socketInodes(): Set<string> {
	const inodes = new Set<string>();
	for (const fd of readdirSync("/proc/self/fd")) {
		try {
			const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
			if (m) inodes.add(m[1] as string);
		} catch {
			// closed between the listing and the read
		}
	}
	return inodes;
}

/**
 * The local ports of this process's established TCP connections to `remotePort`: what the
 * server lists for us (pg_stat_activity's client_port, CLIENT LIST's addr).
 */
export function localPortsTo(remotePort: number): Set<number> {
	const inodes = socketInodes();
	const ports = new Set<number>();
	for (const table of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
		let text: string;
		try {
			text = readFileSync(table, "utf8");
		} catch {
			continue;
		}
		for (const line of text.split("\n").slice(1)) {
			const f = line.trim().split(/\s+/);
			if (f.length < 10) continue;
			const local = Number.parseInt((f[1] as string).split(":")[1] as string, 16);
			const remote = Number.parseInt((f[2] as string).split(":")[1] as string, 16);
			// state 01 = ESTABLISHED
			if (remote === remotePort && f[3] === "01" && inodes.has(f[9] as string)) ports.add(local);
		}
	}
	return ports;
}
