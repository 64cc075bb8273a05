import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type SessionBackendError, SessionLockedError } from "@x/session-core";
import { RedisDurabilityError } from "./errors.js";
import { BACKEND, type SessionKeys } from "./keys.js";
import { describeHolder, type LeaseLoss, parseLeaseValue } from "./lease-holder.js";
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
	/** Keeps the lease renewed (the client's shared renewer); default: a timer of its own. */
	scheduler?: RenewalScheduler;
}

/** Starts renewing `lease` every third of its TTL; returns the function that stops it. */
export type RenewalScheduler = (lease: Lease) => () => void;

/** A renewal's reply: `[1, value]` renewed, `[0, holder or '', fence or '']` gone. */
export type RenewReply = [number, string?, string?];

/**
 * Sends one lease script, with the backend's timeout and error mapping. With durability options
 * the script is followed by the waits on the same connection, and `unconfirmed` says when they
 * fell short (the script ran on the node, which could not show that a replica has it).
 */
export type LeaseScript = (
	op: string,
	call: (c: Scripted) => unknown,
) => Promise<{ reply: unknown; unconfirmed?: RedisDurabilityError }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A failure `open` may retry while `lockWaitMs` lasts: a lease the replicas did not confirm
 * (given back), a command not sent or refused (`CONNECTION`), or one whose answer was lost
 * (`TIMEOUT`: if it took the lease, this instance never learnt the token, and the lease only
 * keeps the session locked until it expires).
 */
function retryable(e: unknown): boolean {
	const code = (e as SessionBackendError | undefined)?.code;
	return e instanceof RedisDurabilityError || code === "CONNECTION" || code === "TIMEOUT";
}

/**
 * A single-writer lease on one session: `{…}:lease` holds `xs1|<token>|<pid>|<host>|<owner>`
 * with a TTL, and `{…}:fence` the fencing counter, `INCR`ed by every acquisition. Writes pass
 * `value` and `token` to their scripts, which check both before writing.
 *
 * With durability options (the default on a Cluster with replicas) a lease is taken, and a
 * renewal counts, only once replicas confirmed it: a node that was replaced by its replica
 * cannot confirm anything, so it can neither hand out a token nor extend a lease.
 */
export class Lease {
	readonly value: string;
	readonly token: string;
	#timer: NodeJS.Timeout | undefined;
	#stopScheduled: (() => void) | undefined;
	#renewing = false;
	#released = false;
	#lost: LeaseLoss | undefined;
	readonly #keys: SessionKeys;
	readonly #ttlMs: number;
	readonly #script: LeaseScript;
	readonly #scheduler: RenewalScheduler | undefined;

	private constructor(
		keys: SessionKeys,
		ttlMs: number,
		value: string,
		token: string,
		script: LeaseScript,
		scheduler: RenewalScheduler | undefined,
	) {
		this.#keys = keys;
		this.#scheduler = scheduler;
		this.#ttlMs = ttlMs;
		this.value = value;
		this.token = token;
		this.#script = script;
	}

	/**
	 * Takes the lease or rejects with {@link SessionLockedError} naming the holder. A lease the
	 * replicas did not confirm is given back and counts as not taken (its token is never used);
	 * that, and a cluster refusing the command, is retried while `waitMs` lasts.
	 */
	static async acquire(
		keys: SessionKeys,
		sessionId: string,
		options: LeaseOptions,
		script: LeaseScript,
	): Promise<Lease> {
		const owner = (options.owner ?? randomUUID()).replace(/\s/g, "_");
		const prefix = "xs1|";
		const suffix = `|${process.pid}|${hostname().replace(/[|\s]/g, "_")}|${owner}`;
		const deadline = Date.now() + options.waitMs;
		for (;;) {
			let reply: [number, string, number];
			try {
				const sent = await script("acquire lease", (c) =>
					c.xsessionAcquire(keys.lease, keys.fence, prefix, suffix, options.ttlMs),
				);
				reply = sent.reply as [number, string, number];
				if (sent.unconfirmed && reply[0] === 1) {
					await Lease.#giveBack(keys, reply[1], script);
					throw new RedisDurabilityError(
						`open: the lease was taken on a node that could not show it on enough replicas (${sent.unconfirmed.message.replace(/^.*?: /, "")}); during a failover that node may no longer be the master. The lease was given back and the session was not opened: open it again once the cluster has settled (lockWaitMs retries by itself)`,
						sent.unconfirmed.required,
						sent.unconfirmed.acknowledged,
					);
				}
			} catch (e) {
				if (!retryable(e) || Date.now() >= deadline) throw e;
				await sleep(Math.min(200, Math.max(10, deadline - Date.now())));
				continue;
			}
			if (reply[0] === 1) {
				const lease = new Lease(
					keys,
					options.ttlMs,
					reply[1],
					String(reply[2]),
					script,
					options.scheduler,
				);
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
			await sleep(Math.min(200, Math.max(10, deadline - Date.now())));
		}
	}

	/** Compare-and-delete of a lease just taken but not confirmed (best effort: it expires anyway). */
	static async #giveBack(keys: SessionKeys, value: string, script: LeaseScript): Promise<void> {
		await script("give back lease", (c) => c.xsessionRelease(keys.lease, value)).catch(
			() => undefined,
		);
	}

	/** The keys of the session this lease is on. */
	get keys(): SessionKeys {
		return this.#keys;
	}

	/** The lease lifetime in ms. */
	get ttlMs(): number {
		return this.#ttlMs;
	}

	/** How the lease was lost, once it is known to be; `undefined` while held. */
	get lost(): LeaseLoss | undefined {
		return this.#lost;
	}

	/**
	 * Renews now: compare-and-pexpire, confirmed by the replicas when durability options are set
	 * (else it rejects, and the next tick tries again). A lease found gone is lost for good.
	 */
	async renew(): Promise<boolean> {
		if (this.#lost !== undefined || this.#released) return false;
		const { reply, unconfirmed } = await this.#script("renew lease", (c) =>
			c.xsessionRenew(this.#keys.lease, this.#keys.fence, this.value, this.#ttlMs),
		);
		if (!this.settleRenewal(reply as RenewReply)) return false;
		if (unconfirmed) throw unconfirmed;
		return true;
	}

	/**
	 * Takes in a renewal's reply (this lease's own, or its part of a shared renewer's): a lease
	 * found gone is lost for good and stops renewing. True when it was renewed.
	 */
	settleRenewal(reply: RenewReply): boolean {
		if (this.#lost !== undefined || this.#released) return false;
		const [ok, holder, fence] = reply;
		if (ok !== 0) return true;
		this.#lost =
			!holder && fence === this.token
				? { kind: "expired" }
				: { kind: "taken", fence: fence || undefined, holder: parseLeaseValue(holder) };
		this.#stopRenewal();
		return false;
	}

	/** Stops renewing and deletes the lease if it is still ours (compare-and-delete). */
	async release(): Promise<void> {
		this.#stopRenewal();
		if (this.#lost !== undefined || this.#released) return;
		this.#released = true;
		await this.#script("release lease", (c) => c.xsessionRelease(this.#keys.lease, this.value));
	}

	#startRenewal(): void {
		if (this.#scheduler) {
			this.#stopScheduled = this.#scheduler(this);
			return;
		}
		const every = Math.max(50, Math.floor(this.#ttlMs / 3));
		this.#timer = setInterval(() => {
			// one renewal at a time; a failed one (server away, replicas not confirming) is
			// retried on the next tick, and the scripts' guard refuses writes if the lease
			// expires and someone else takes it
			if (this.#renewing) return;
			this.#renewing = true;
			this.renew()
				.catch(() => undefined)
				.finally(() => {
					this.#renewing = false;
				});
		}, every);
		this.#timer.unref();
	}

	#stopRenewal(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
		this.#stopScheduled?.();
		this.#stopScheduled = undefined;
	}
}
