import { SessionBackendError } from "@x/session-core";
import type { ChainableCommander } from "ioredis";
import type { RedisLike } from "./client.js";
import { RedisDurabilityError, RedisFeatureUnsupportedError } from "./errors.js";
import { BACKEND } from "./keys.js";

/** `WAIT numreplicas timeout` after every write: the write is acknowledged only once replicas have it. */
export interface WaitForReplicas {
	/** Number of replicas that must acknowledge (≥ 1). */
	replicas: number;
	/** How long the server waits for them, in ms (≥ 1; 0 would block forever and is refused). */
	timeoutMs: number;
}

/** `WAITAOF numlocal numreplicas timeout` after every write (Redis 7.2+). */
export interface WaitForAof {
	/** 1 to wait until the primary fsynced its AOF, 0 not to. */
	local: 0 | 1;
	/** Number of replicas that must have fsynced it. */
	replicas: number;
	/** How long the server waits, in ms (≥ 1). */
	timeoutMs: number;
}

/** The durability settings of a backend (`false`: explicitly none). */
export interface Durability {
	waitForReplicas?: WaitForReplicas | false | undefined;
	waitForAof?: WaitForAof | undefined;
}

function invalid(message: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend: BACKEND });
}

/** Validates the options synchronously. */
export function validateDurability(d: Durability): void {
	const r = d.waitForReplicas;
	if (
		r &&
		(!Number.isInteger(r.replicas) ||
			r.replicas < 1 ||
			!Number.isInteger(r.timeoutMs) ||
			r.timeoutMs < 1)
	) {
		throw invalid("waitForReplicas needs integer replicas ≥ 1 and timeoutMs ≥ 1");
	}
	const a = d.waitForAof;
	if (a) {
		if (
			(a.local !== 0 && a.local !== 1) ||
			!Number.isInteger(a.replicas) ||
			a.replicas < 0 ||
			a.local + a.replicas < 1
		) {
			throw invalid("waitForAof needs local 0|1 and replicas ≥ 0, asking for at least one fsync");
		}
		if (!Number.isInteger(a.timeoutMs) || a.timeoutMs < 1)
			throw invalid("waitForAof needs timeoutMs ≥ 1");
	}
}

/** Rejects with {@link RedisFeatureUnsupportedError} when `waitForAof` is set and the server has no WAITAOF. */
export async function checkDurabilitySupport(
	client: RedisLike,
	d: Durability,
	run: <T>(op: string, c: () => Promise<T>) => Promise<T>,
): Promise<void> {
	if (!d.waitForAof) return;
	const info = (await run("detect WAITAOF", () => client.command("INFO", "WAITAOF"))) as unknown[];
	if (!Array.isArray(info) || info[0] == null) {
		const version = await run("server version", () => client.info("server")).then(
			(s) => /redis_version:(\S+)/.exec(String(s))?.[1] ?? "unknown",
			() => "unknown",
		);
		throw new RedisFeatureUnsupportedError(
			"WAITAOF",
			`waitForAof needs WAITAOF (Redis 7.2 or newer); this server is Redis ${version}. Use waitForReplicas, or appendfsync always on the server`,
		);
	}
}

/** Extra time the client allows on top of commandTimeout for the server-side waits. */
export function durabilityAllowance(d: Durability): number {
	return ((d.waitForReplicas || undefined)?.timeoutMs ?? 0) + (d.waitForAof?.timeoutMs ?? 0);
}

/** Appends the wait commands to a pipeline; returns how many were appended. */
export function appendWaits(p: ChainableCommander, d: Durability): number {
	let n = 0;
	if (d.waitForReplicas) {
		p.wait(d.waitForReplicas.replicas, d.waitForReplicas.timeoutMs);
		n++;
	}
	if (d.waitForAof) {
		p.call("WAITAOF", d.waitForAof.local, d.waitForAof.replicas, d.waitForAof.timeoutMs);
		n++;
	}
	return n;
}

/** Checks the replies of {@link appendWaits}' commands (in order). */
export function checkWaits(replies: unknown[], d: Durability, op: string): void {
	let i = 0;
	if (d.waitForReplicas) {
		const got = Number(replies[i++] ?? 0);
		if (!(got >= d.waitForReplicas.replicas)) {
			throw new RedisDurabilityError(
				`${op}: applied on the node that took it, but only ${got} of ${d.waitForReplicas.replicas} replicas acknowledged within ${d.waitForReplicas.timeoutMs} ms (a replica is down or lagging, or a failover is under way and that node is no longer the master): the write may be lost, or applied; load() to see`,
				{ local: 0, replicas: d.waitForReplicas.replicas },
				{ local: 0, replicas: got },
			);
		}
	}
	if (d.waitForAof) {
		const r = replies[i++] as [number, number];
		const local = Number(r?.[0] ?? 0);
		const replicas = Number(r?.[1] ?? 0);
		if (!(local >= d.waitForAof.local) || !(replicas >= d.waitForAof.replicas)) {
			throw new RedisDurabilityError(
				`${op}: applied, but fsynced locally ${local}/${d.waitForAof.local} and on ${replicas}/${d.waitForAof.replicas} replicas within ${d.waitForAof.timeoutMs} ms`,
				{ local: d.waitForAof.local, replicas: d.waitForAof.replicas },
				{ local, replicas },
			);
		}
	}
}
