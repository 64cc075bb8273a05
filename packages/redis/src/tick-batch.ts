import type { RedisLike } from "./client.js";

/** The sockets corked in this tick. */
const corked = new WeakSet<object>();

interface CorkableStream {
	writable?: boolean;
	cork(): void;
	uncork(): void;
}

/**
 * Batches the commands sent to a standalone client in this tick into one socket write: the
 * client's socket is corked until the next tick (`process.nextTick` runs once the current
 * microtasks are done). With many sessions on one client, a reply batch wakes hundreds of them at
 * once and each sends its next write: one `writev` instead of a system call per command. The
 * commands still go out in call order, on the same connection, before any timer or I/O runs; a
 * Cluster's node connections are left as they are.
 */
export function batchThisTick(client: RedisLike): void {
	const stream = (client as unknown as { stream?: CorkableStream }).stream;
	if (!stream || corked.has(stream) || stream.writable !== true) return;
	if (typeof stream.cork !== "function") return;
	corked.add(stream);
	stream.cork();
	process.nextTick(() => {
		corked.delete(stream);
		stream.uncork();
	});
}
