import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type LockHolder, SessionLockedError } from "@x/session-core";
import { describeHolder, parseLeaseValue } from "./errors.js";
import { BACKEND, type SessionKeys } from "./keys.js";
import type { ScriptCommands } from "./scripts.js";

type Scripted = ScriptCommands<Promise<unknown>>;

/** How a lease is taken and kept. */
export interface LeaseOptions {
	/** Lease lifetime in ms; renewed every third of it. */
	ttlMs: number;
	/** Keep retrying a held lease for this long before rejecting (0 = reject at once). */
	waitMs: number;
	/** Owner label stored in the lease value (default: a random UUID). */
	owner?: string;
}

/** Runs one command with the backend's timeout and error mapping. */
export type Runner = <T>(op: string, command: () => Promise<T>) => Promise<T>;

/**
 * A single-writer lease on one session: `{…}:lease` holds `xs1|<token>|<pid>|<host>|<owner>`
 * with a TTL, and `{…}:fence` the fencing counter, `INCR`ed by every acquisition. Writes pass
 * `value` and `token` to their scripts, which check both before writing.
 */
export class Lease {
	readonly value: string;
	readonly token: string;
	#timer: NodeJS.Timeout | undefined;
	#lost: LockHolder | null | undefined;
	readonly #client: Scripted;
	readonly #keys: SessionKeys;
	readonly #ttlMs: number;
	readonly #run: Runner;

	private constructor(
		client: Scripted,
		keys: SessionKeys,
		ttlMs: number,
		value: string,
		token: string,
		run: Runner,
	) {
		this.#client = client;
		this.#keys = keys;
		this.#ttlMs = ttlMs;
		this.value = value;
		this.token = token;
		this.#run = run;
	}

	/** Takes the lease or rejects with {@link SessionLockedError} naming the holder. */
	static async acquire(
		client: Scripted,
		keys: SessionKeys,
		sessionId: string,
		options: LeaseOptions,
		run: Runner,
	): Promise<Lease> {
		const owner = (options.owner ?? randomUUID()).replace(/\s/g, "_");
		const prefix = "xs1|";
		const suffix = `|${process.pid}|${hostname().replace(/[|\s]/g, "_")}|${owner}`;
		const deadline = Date.now() + options.waitMs;
		for (;;) {
			const reply = (await run("acquire lease", () =>
				client.xsessionAcquire(keys.lease, keys.fence, prefix, suffix, options.ttlMs),
			)) as [number, string, number];
			if (reply[0] === 1) {
				const lease = new Lease(client, keys, options.ttlMs, reply[1], String(reply[2]), run);
				lease.#startRenewal();
				return lease;
			}
			const holder = parseLeaseValue(reply[1], reply[2]);
			if (Date.now() >= deadline) {
				throw new SessionLockedError(
					`session "${sessionId}" is locked by ${describeHolder(holder)}`,
					{
						backend: BACKEND,
						...(holder ? { holder } : {}),
					},
				);
			}
			await new Promise((r) => setTimeout(r, Math.min(200, Math.max(10, deadline - Date.now()))));
		}
	}

	/** The holder that took over, when this lease is known to be lost; `undefined` while held. */
	get lost(): LockHolder | null | undefined {
		return this.#lost;
	}

	/** Renews now: compare-and-pexpire (restoring an expired lease nobody took since). */
	async renew(): Promise<boolean> {
		if (this.#lost !== undefined) return false;
		const reply = (await this.#run("renew lease", () =>
			this.#client.xsessionRenew(
				this.#keys.lease,
				this.#keys.fence,
				this.value,
				this.token,
				this.#ttlMs,
			),
		)) as [number, string];
		if (reply[0] === 0) {
			this.#lost = parseLeaseValue(reply[1]) ?? null;
			this.#stopRenewal();
			return false;
		}
		return true;
	}

	/** Stops renewing and deletes the lease if it is still ours (compare-and-delete). */
	async release(): Promise<void> {
		this.#stopRenewal();
		if (this.#lost !== undefined) return;
		this.#lost = null;
		await this.#run("release lease", () =>
			this.#client.xsessionRelease(this.#keys.lease, this.value),
		);
	}

	#startRenewal(): void {
		const every = Math.max(50, Math.floor(this.#ttlMs / 3));
		this.#timer = setInterval(() => {
			// a failed renewal (server briefly away) is retried on the next tick; the scripts'
			// guard still refuses writes if the lease expires and someone else takes it
			this.renew().catch(() => undefined);
		}, every);
		this.#timer.unref();
	}

	#stopRenewal(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
	}
}
