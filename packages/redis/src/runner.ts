import { SessionBackendError } from "@x/session-core";
import type { ChainableCommander } from "ioredis";
import {
	bounded,
	type ConnectionWatch,
	clientSecrets,
	type RedisLike,
	whenReady,
} from "./client.js";
import { appendWaits, checkWaits, type Durability, durabilityAllowance } from "./durability.js";
import { outcomeUnknown, toSessionError } from "./errors.js";
import { BACKEND } from "./keys.js";
import type { ScriptCommands } from "./scripts.js";

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
	readonly #durability: Durability;
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

	/** Builds a pipeline (or MULTI), appends the durability waits, runs it and checks every reply. */
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
		const d = this.#durability;
		return this.track(async () => {
			const replies = await this.sendWrite(
				op,
				() => {
					const p = (multi ? this.#client.multi() : this.#client.pipeline()) as ScriptedPipeline;
					build(p);
					appendWaits(p, d);
					return p.exec();
				},
				extraMs + durabilityAllowance(d),
			);
			const values = this.unwrap(replies, op, true);
			const waits = (d.waitForReplicas ? 1 : 0) + (d.waitForAof ? 1 : 0);
			checkWaits(values.slice(values.length - waits), d, op);
		});
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
		const first = errors.find((e) => e.message.includes("XSLEASE")) ?? errors[0];
		if (first) {
			const error = toSessionError(first, op, clientSecrets(this.#client));
			if (sent && error.code === "CONNECTION")
				throw outcomeUnknown(
					op,
					`the connection was lost before the answer (${this.#client.status})`,
				);
			throw error;
		}
		return replies.map((r) => r[1]);
	}
}
