// One write pipeline, sent on the connection of the node that serves the session: its commands
// (in one MULTI when asked), then WAIT/WAITAOF after them on the same connection, so the waits
// cover exactly this write. A Cluster node that refuses it (MOVED, ASK, CLUSTERDOWN, …) did not
// run it; the refusal is followed and the whole pipeline sent again (every write of the backend
// is idempotent, and a refused one was not applied), until `refuseUntil`. After `ASK` (the slot
// is being migrated and the session's keys are on the importing node already) the pipeline goes
// to that node behind `ASKING`, its waits with it, as ioredis does for a single command.
import type { RedisLike } from "./client.js";
import { askTarget, firstRefusal, followRefusal } from "./cluster-refusal.js";
import { appendWaits, type Durability } from "./durability.js";
import type { ScriptedPipeline } from "./runner.js";

type Replies = [Error | null, unknown][];

/**
 * Runs the pipeline; resolves with one `[error, value]` per command the build queued, then one
 * per wait. A transaction's replies are those of its EXEC, unwrapped.
 */
export async function runWritePipeline(
	client: RedisLike,
	build: (p: ScriptedPipeline) => void,
	durability: Durability,
	multi: boolean,
	refuseUntil: number,
): Promise<Replies> {
	let asking: string | undefined;
	for (let attempt = 0; ; attempt++) {
		const p = client.pipeline() as ScriptedPipeline;
		if (asking) {
			// ioredis sends a pipeline to `preferKey`'s node when it is set (as it does itself when
			// it follows an ASK); ASKING holds for the next command, through a MULTI to its EXEC
			(p as unknown as { preferKey: string }).preferKey = asking;
			p.asking();
		}
		const lead = p.length;
		if (multi) (p as unknown as { multi(): void }).multi();
		const before = p.length;
		build(p);
		const queued = p.length - before;
		// the WAIT goes after EXEC: inside a transaction WAIT does not block, and would count
		// replicas that have older writes only
		if (multi) void p.exec();
		appendWaits(p, durability);
		const raw = (((await p.exec()) ?? []) as Replies).slice(lead);
		const refusal = firstRefusal(raw);
		if (!refusal || Date.now() >= refuseUntil) return multi ? unwrapTransaction(raw, queued) : raw;
		asking = askTarget(client, refusal);
		if (!asking) await followRefusal(client, refusal, attempt, refuseUntil);
	}
}

/** `[MULTI, QUEUED…, EXEC, waits…]` → the EXEC'd commands' replies, then the waits'. */
function unwrapTransaction(raw: Replies, queued: number): Replies {
	const exec = raw[1 + queued] ?? [new Error("EXEC: no reply"), null];
	const waits = raw.slice(2 + queued);
	const results = exec[1];
	if (exec[0] || !Array.isArray(results)) {
		// not executed: the errors given while queueing first, then EXEC's own
		const error = exec[0] ?? new Error("EXEC: the transaction was aborted");
		const commands = raw.slice(1, 1 + queued).map((r): [Error, null] => [r[0] ?? error, null]);
		return [...commands, ...waits];
	}
	const commands = results.map((v): [Error | null, unknown] =>
		v instanceof Error ? [v, null] : [null, v],
	);
	return [...commands, ...waits];
}
