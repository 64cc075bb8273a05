// Bookkeeping for the failover scenarios: holders that write without pause, each acknowledged
// write leaving its own extension field, and the checks run once the cluster has settled.
import { SessionBackendError } from "@x/session-core";
import type { Cluster } from "ioredis";
import { expect } from "vitest";
import { RedisSessionBackend, type RedisSessionOptions } from "../src/index.js";

/** One holder of the session and what happened to its writes. */
export interface Holder {
	name: string;
	backend: RedisSessionBackend;
	token: string;
	/** When its open() resolved. */
	openedAt: number;
	/** Acknowledged writes: the field each left, and when the write was issued. */
	acks: { field: string; issuedAt: number }[];
	/** `code: message` of each write that failed. */
	failures: string[];
	/** Messages of the SessionLockedErrors it got. */
	locked: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything that happened to one session during one run. */
export class Ledger {
	readonly holders: Holder[] = [];
	readonly #loops = new Map<Holder, Promise<void>>();
	readonly #stop = new Set<Holder>();
	readonly #start = Date.now();
	/** What happened, in order: the scenario's steps and each holder's writes. */
	readonly #events: { at: number; what: string }[] = [];

	constructor(
		readonly prefix: string,
		readonly sessionId: string,
	) {}

	/** Records a step of the scenario in the timeline. */
	note(what: string): void {
		this.#events.push({ at: Date.now(), what });
	}

	/**
	 * The timeline, ms from the run's start, with runs of one holder's acknowledged writes
	 * folded into one line: shown when a run fails, so the failure says where the time went.
	 */
	timeline(): string {
		const lines: string[] = [];
		let folded: { at: number; what: string; n: number; last: number } | undefined;
		const flush = () => {
			if (!folded) return;
			const t = (ms: number) => String(ms - this.#start).padStart(6);
			lines.push(
				folded.n > 1
					? `${t(folded.at)}..${t(folded.last)} ${folded.what} ×${folded.n}`
					: `${t(folded.at)} ${folded.what}`,
			);
			folded = undefined;
		};
		for (const e of this.#events) {
			if (folded && folded.what === e.what && e.what.endsWith(" acknowledged")) {
				folded.n++;
				folded.last = e.at;
				continue;
			}
			flush();
			folded = { at: e.at, what: e.what, n: 1, last: e.at };
		}
		flush();
		return lines.join("\n");
	}

	/**
	 * Settles with `promise`, or rejects after `ms` naming the step: no step of a scenario waits
	 * without a bound (the caller's run then fails with the timeline).
	 */
	async within<T>(ms: number, step: string, promise: Promise<T>): Promise<T> {
		this.note(`${step}…`);
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${step}: not done within ${ms} ms`)), ms);
		});
		try {
			const value = await Promise.race([promise, late]);
			this.note(`${step} done`);
			return value;
		} finally {
			clearTimeout(timer);
		}
	}

	/** Opens a holder (recorded once open resolves). */
	async open(
		name: string,
		client: Cluster,
		options: Partial<RedisSessionOptions> = {},
	): Promise<Holder> {
		this.note(`${name} opening`);
		const backend = await RedisSessionBackend.open({
			client,
			prefix: this.prefix,
			sessionId: this.sessionId,
			leaseTtlMs: 1500,
			commandTimeout: 3000,
			...options,
		}).catch((e: unknown) => {
			this.note(`${name}'s open failed: ${(e as Error).message.slice(0, 200)}`);
			throw e;
		});
		const holder: Holder = {
			name,
			backend,
			token: backend.fencingToken ?? "",
			openedAt: Date.now(),
			acks: [],
			failures: [],
			locked: [],
		};
		this.holders.push(holder);
		this.note(`${name} opened with token ${holder.token || "-"}`);
		return holder;
	}

	/** One write leaving its own field; recorded as acknowledged or failed. */
	async write(holder: Holder, n: number): Promise<boolean> {
		const field = `w:${holder.name}:${holder.token}:${n}`;
		const issuedAt = Date.now();
		try {
			await holder.backend.setExtension(field, new Uint8Array([n & 0xff]));
			holder.acks.push({ field, issuedAt });
			this.note(`${holder.name} acknowledged`);
			return true;
		} catch (e) {
			if (!(e instanceof SessionBackendError)) throw e;
			holder.failures.push(`${e.code}: ${e.message}`);
			this.note(`${holder.name} write ${n} failed: ${e.code}: ${e.message.slice(0, 160)}`);
			if (e.code === "LOCKED") holder.locked.push(e.message);
			return false;
		}
	}

	/** Writes one after the other until {@link stop}, pausing a little after a failure. */
	startWriting(holder: Holder): void {
		const loop = (async () => {
			for (let n = 0; !this.#stop.has(holder); n++) {
				if (!(await this.write(holder, n))) await sleep(50);
			}
		})();
		this.#loops.set(holder, loop);
	}

	/**
	 * Resolves once `holder` has more than `count` acknowledged writes, or after `timeoutMs`
	 * (the caller then asserts on the count, showing the failures).
	 */
	async acksAbove(holder: Holder, count: number, timeoutMs = 15_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (holder.acks.length <= count && Date.now() < deadline) await sleep(50);
	}

	/** Stops a holder's writes (waits for the one in flight). */
	async stop(holder: Holder): Promise<void> {
		this.#stop.add(holder);
		await this.#loops.get(holder);
	}

	/** Stops every writer. */
	async stopAll(): Promise<void> {
		await Promise.all(this.holders.map((h) => this.stop(h)));
	}

	/** Stops every writer and closes every holder (errors ignored: the lease may be gone). */
	async closeAll(): Promise<void> {
		await this.stopAll();
		await Promise.all(this.holders.map((h) => h.backend.close().catch(() => undefined)));
	}

	/**
	 * The scenario's promises, checked once the cluster has settled, through a fresh client:
	 * every acknowledged write is there; no holder had a write acknowledged that it issued after
	 * a later holder's open resolved (two writers); no fencing token was handed out twice, and
	 * each later holder's token is greater; no write failed with a code other than the typed
	 * outcomes (CONNECTION, TIMEOUT, LOCKED).
	 */
	async check(fresh: Cluster): Promise<void> {
		const reader = await RedisSessionBackend.open({
			client: fresh,
			prefix: this.prefix,
			sessionId: this.sessionId,
			readOnly: true,
			commandTimeout: 10_000,
		});
		try {
			const stored = new Set(await reader.listExtensionKeys("w:"));
			for (const h of this.holders)
				for (const ack of h.acks) expect(stored.has(ack.field), `${ack.field} lost`).toBe(true);
		} finally {
			await reader.close();
		}
		// holders without a lease (lock: false) promise neither tokens nor a single writer
		const byOpen = this.holders.filter((h) => h.token).sort((a, b) => a.openedAt - b.openedAt);
		const tokens = byOpen.map((h) => BigInt(h.token));
		expect(new Set(tokens).size, `tokens ${tokens.join(",")}`).toBe(tokens.length);
		for (let i = 1; i < tokens.length; i++)
			expect((tokens[i] as bigint) > (tokens[i - 1] as bigint)).toBe(true);
		for (const [i, earlier] of byOpen.entries()) {
			for (const later of byOpen.slice(i + 1)) {
				const stale = earlier.acks.filter((a) => a.issuedAt > later.openedAt);
				expect(stale, `${earlier.name} acknowledged after ${later.name} took over`).toEqual([]);
			}
		}
		for (const h of this.holders)
			for (const failure of h.failures)
				expect(failure, `${h.name}'s write`).toMatch(/^(CONNECTION|TIMEOUT|LOCKED): /);
	}
}
