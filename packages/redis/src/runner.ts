import { SessionBackendError } from "@x/session-core";
import type { ChainableCommander } from "ioredis";
import {
	bounded,
	type ConnectionWatch,
	clientSecrets,
	type RedisLike,
	whenReady,
} from "./client.js";
import {
	checkWaits,
	type Durability,
	durabilityAllowance,
	type WaitForReplicas,
} from "./durability.js";
import { outcomeUnknown, RedisDurabilityError, toSessionError, wasRefused } from "./errors.js";
import { BACKEND } from "./keys.js";
import type { ScriptCommands } from "./scripts.js";
import { runWritePipeline } from "./write-pipeline.js";

/** The client with the scripts defined as commands. */
export type Scripted = ScriptCommands<Promise<unknown>>;
/** A pipeline or MULTI with the scripts defined as commands. */
export type ScriptedPipeline = ChainableCommander & ScriptCommands<ChainableCommander>;

/**
 * Sends a backend's commands: bounded by the timeout, errors mapped to typed errors, durability
 * waits appended to writes, and every operation tracked so `close()`/`flush()` can wait for it.
 * Nothing is queued on the client side: calls go out in call order, many in flight at once.
 */
export class CommandRunner {
	readonly #client: RedisLike;
	readonly #watch: ConnectionWatch;
	readonly #timeout: number;
	#durability: Durability;
	readonly #checkWritable: (op: string) => void;
	readonly #inFlight = new Set<Promise<unknown>>();
	#closed = false;

	constructor(
		client: RedisLike,
		watch: ConnectionWatch,
		timeoutMs: number,
		durability: Durability,
		checkWritable: (op: string) => void,
	) {
		this.#client = client;
		this.#watch = watch;
		this.#timeout = timeoutMs;
		this.#durability = durability;
		this.#checkWritable = checkWritable;
	}

	/** The durability waits in force. */
	get durability(): Durability {
		return this.#durability;
	}

	/** Sets the replica wait once `open` has resolved its default. */
	useReplicaWait(wait: WaitForReplicas | undefined): void {
		this.#durability = { ...this.#durability, waitForReplicas: wait };
	}

	/** Refuses new operations from now on; resolves when those in flight have settled. */
	async shutdown(): Promise<void> {
		this.#closed = true;
		await this.settled();
	}

	/** Resolves when every operation started so far has settled. */
	async settled(): Promise<void> {
		await Promise.allSettled([...this.#inFlight]);
	}

	/** Throws CLOSED after {@link shutdown}. */
	checkOpen(): void {
		if (this.#closed)
			throw new SessionBackendError("CLOSED", "backend is closed", { backend: BACKEND });
	}

	/** Extra time for big transfers: one more timeout per 100k entries. */
	bulkAllowance(entries: number): number {
		return this.#timeout > 0 ? Math.floor(entries / 100_000) * this.#timeout : 0;
	}

	/**
	 * One command with the timeout and error mapping (not tracked), sent once the connection is
	 * ready (at once when it is: calls keep their order), never left in ioredis's offline queue.
	 */
	bounded<T>(op: string, command: () => Promise<T>, extraMs = 0): Promise<T> {
		return this.#send(op, command, extraMs, false);
	}

	/**
	 * One write command, sent only on a ready connection: when there is none within the timeout
	 * it is `CONNECTION` and was not applied; once sent, a lost connection or a timeout is
	 * `TIMEOUT` (it may have been).
	 */
	sendWrite<T>(op: string, command: () => Promise<T>, extraMs = 0): Promise<T> {
		return this.#send(op, command, extraMs, true);
	}

	#send<T>(op: string, command: () => Promise<T>, extraMs: number, write: boolean): Promise<T> {
		const ms = this.#timeout > 0 ? this.#timeout + extraMs : 0;
		const client = this.#client;
		if (client.status === "ready") return bounded(client, this.#watch, ms, op, command, write);
		const started = Date.now();
		const secrets = clientSecrets(client);
		return whenReady(client, this.#watch, secrets, ms, op, write).then(() => {
			const left = ms > 0 ? Math.max(1, ms - (Date.now() - started)) : 0;
			return bounded(client, this.#watch, left, op, command, write);
		});
	}

	/** Runs `task` as a tracked operation. */
	track<T>(task: () => Promise<T>): Promise<T> {
		try {
			this.checkOpen();
		} catch (e) {
			return Promise.reject(e);
		}
		const p = task();
		this.#inFlight.add(p);
		const done = () => this.#inFlight.delete(p);
		p.then(done, done);
		return p;
	}

	/** One script call; with durability options it goes through a pipeline with WAIT/WAITAOF. */
	writeOne(op: string, send: (c: Scripted) => Promise<unknown>): Promise<void> {
		const d = this.#durability;
		if (d.waitForReplicas || d.waitForAof)
			return this.write(op, (p) => send(p as unknown as Scripted), 0);
		try {
			this.#checkWritable(op);
		} catch (e) {
			return Promise.reject(e);
		}
		return this.track(async () => {
			await this.sendWrite(op, () => send(this.#client as unknown as Scripted));
		});
	}

	/**
	 * Builds a pipeline (its commands in one MULTI when `multi`), appends the durability waits,
	 * runs it and checks every reply: it resolves only once the waits confirmed the write.
	 */
	write(
		op: string,
		build: (p: ScriptedPipeline) => void,
		extraMs: number,
		multi = false,
	): Promise<void> {
		try {
			this.#checkWritable(op);
		} catch (e) {
			return Promise.reject(e);
		}
		return this.track(async () => {
			const { unconfirmed } = await this.#confirmed(op, build, extraMs, multi);
			if (unconfirmed) throw unconfirmed;
		});
	}

	/**
	 * One lease script (not tracked, allowed after {@link shutdown}): its reply, and with
	 * durability options whether the waits confirmed it (`unconfirmed` says how far it got).
	 */
	async leaseScript(
		op: string,
		call: (c: Scripted) => unknown,
	): Promise<{ reply: unknown; unconfirmed?: RedisDurabilityError }> {
		const d = this.#durability;
		if (!d.waitForReplicas && !d.waitForAof)
			return {
				reply: await this.sendWrite(op, async () => call(this.#client as unknown as Scripted)),
			};
		const { values, unconfirmed } = await this.#confirmed(op, (p) => call(p as never), 0, false);
		return unconfirmed ? { reply: values[0], unconfirmed } : { reply: values[0] };
	}

	/** Runs a write pipeline with the waits after it; the build's replies and the waits' verdict. */
	async #confirmed(
		op: string,
		build: (p: ScriptedPipeline) => void,
		extraMs: number,
		multi: boolean,
	): Promise<{ values: unknown[]; unconfirmed?: RedisDurabilityError }> {
		const d = this.#durability;
		// refusals are followed until one commandTimeout has passed (then they are CONNECTION,
		// before the operation's own timeout, which allows for the waits, could call it TIMEOUT)
		const refuseUntil = this.#timeout > 0 ? Date.now() + this.#timeout : Number.POSITIVE_INFINITY;
		const replies = await this.sendWrite(
			op,
			() => runWritePipeline(this.#client, build, d, multi, refuseUntil),
			extraMs + durabilityAllowance(d),
		);
		const waits = (d.waitForReplicas ? 1 : 0) + (d.waitForAof ? 1 : 0);
		const all = replies ?? [];
		const head = this.unwrap(replies && all.slice(0, all.length - waits), op, true);
		// a wait that failed confirmed nothing: e.g. "UNBLOCKED … (master -> replica?)", a WAIT
		// cut short because its node was demoted by a failover
		const confirmed = all.slice(all.length - waits).map(([e, v]) => (e ? undefined : v));
		try {
			checkWaits(confirmed, d, op);
		} catch (e) {
			if (e instanceof RedisDurabilityError) return { values: head, unconfirmed: e };
			throw e;
		}
		return { values: head };
	}

	/**
	 * Turns `[[err, value], …]` into values, throwing the first error as a typed error. For a
	 * `sent` write, commands of the pipeline cut off by a lost connection are `TIMEOUT` (the ones
	 * before them may have run).
	 */
	unwrap(replies: [Error | null, unknown][] | null, op: string, sent = false): unknown[] {
		if (!replies)
			throw new SessionBackendError("IO", `${op}: the transaction was aborted`, {
				backend: BACKEND,
			});
		// a lease error outranks the follow-on errors of the same pipeline
		const errors = replies.map((r) => r[0]).filter((e): e is Error => e !== null);
		const first =
			errors.find((e) => e.message.includes("XSLEASE")) ??
			errors.find((e) => !e.message.startsWith("EXECABORT")) ??
			errors[0];
		if (first) {
			const error = toSessionError(first, op, clientSecrets(this.#client));
			if (sent && error.code === "CONNECTION" && !wasRefused(error))
				throw outcomeUnknown(
					op,
					`the connection was lost before the answer (${this.#client.status})`,
				);
			throw error;
		}
		return replies.map((r) => r[1]);
	}
}
