// Over 400 lines: one class implementing the whole SessionBackend interface; the scripts, codec,
// lease, runner and snapshot it uses live in their own modules.
import { randomBytes } from "node:crypto";
import {
	type BackendCapabilities,
	type CachedPeer,
	type DcEntry,
	extensionValue,
	type LoadOptions,
	type PeerKind,
	type PersistedSession,
	type SecretBytes,
	type SessionBackend,
	SessionBackendError,
	type SessionChanges,
	SessionLockedError,
	type UpdateStateChange,
} from "@x/session-core";
import type { SharedHandle } from "@x/session-core/backend";
import {
	checkExtensionKey,
	normalizePhone,
	normalizeUsername,
	preparePeers,
} from "@x/session-core/backend";
import type { RedisOptions } from "ioredis";
import { checkDatabase, DEFAULT_COMMAND_TIMEOUT, type RedisLike } from "./client.js";
import { attachHub, type ClientHub } from "./client-hub.js";
import {
	checkI32,
	checkI64,
	dcField,
	packDc,
	packMinPeer,
	packPeer,
	packPeerMeta,
	peerField,
	secretOf,
	unpackPeer,
	unpackPeerMeta,
} from "./codec.js";
import {
	checkDurabilitySupport,
	type Durability,
	validateDurability,
	type WaitForAof,
	type WaitForReplicas,
} from "./durability.js";
import { BACKEND, DATA_PARTS, type DataPart, type SessionKeys, sessionKeys } from "./keys.js";
import { Lease } from "./lease.js";
import { leaseLostError } from "./lease-holder.js";
import { resolveReplicaWait } from "./replica-default.js";
import { CommandRunner, type Scripted, type ScriptedPipeline } from "./runner.js";
import { defineScripts } from "./scripts.js";
import { listRedisSessions, type RedisSessionsLocation } from "./sessions.js";
import {
	acquireSharedClient,
	checkLocation,
	type RedisClusterTarget,
	withClient,
} from "./shared-client.js";
import { channelPairs, packSession, type SessionHashes, unpackSession } from "./snapshot.js";
import { deleteUnheldSession } from "./unheld-delete.js";

/** Options of {@link RedisSessionBackend.open}. */
export interface RedisSessionOptions {
	/**
	 * An ioredis `Redis` or `Cluster` of yours, used as is: the backend does not close it unless
	 * `closeClient` is set. Give this, `url` or `cluster`.
	 */
	client?: RedisLike;
	/**
	 * `redis://[:password@]host[:port][/db]` (or `rediss://`): the backend connects itself, and
	 * every session opened with the same `url` and `redisOptions` in this process shares one
	 * client, closed with the last of them.
	 */
	url?: string;
	/** ioredis options for the client made from `url` (default `connectTimeout` 5000, `maxRetriesPerRequest` 2). */
	redisOptions?: RedisOptions;
	/** A Redis Cluster to connect to, shared like `url`: `{ nodes: [{ host, port }], options? }`. */
	cluster?: RedisClusterTarget;
	/** Key prefix; must not contain `{` or `}` (default `"xs"`). */
	prefix?: string;
	/** Which session under the prefix (default `"default"`). */
	sessionId?: string;
	/** Per-operation timeout in ms; 0 disables it (default 5000). Large saves and loads get more. */
	commandTimeout?: number;
	/** Take a single-writer lease on open (default `true`). */
	lock?: boolean;
	/** Lease lifetime in ms, renewed every third of it (default 15000). */
	leaseTtlMs?: number;
	/** How long `open` retries a held lease before rejecting (default 0: reject at once). */
	lockWaitMs?: number;
	/** Label stored in the lease and reported as `holder.owner` (default: a random UUID). */
	owner?: string;
	/**
	 * Wait for replicas after every lease change and write (`WAIT` on the connection that took
	 * it). Default: `{ replicas: 1, timeoutMs: 1000 }` on a Cluster with replicas, else none;
	 * `false`: never.
	 */
	waitForReplicas?: WaitForReplicas | false;
	/** Wait for AOF fsync after every write (`WAITAOF`, Redis 7.2+). */
	waitForAof?: WaitForAof;
	/** Quit the client in `close()` (default `false`). */
	closeClient?: boolean;
	/** Read only: no lease (whatever `lock` says) and every write rejects `UNSUPPORTED`; nothing is created. */
	readOnly?: boolean;
}

const PEERS_PER_SCRIPT = 2000;
const NO_META = Buffer.alloc(0);

/** The Buffer-replying variant ioredis defines next to each script command. */
type PeerReader = { xsessionPeerBuffer(...args: string[]): Promise<Buffer[] | null> };

/** The cachePeers script's arguments: field, packed peer, packed metadata or empty, per peer. */
function peerArgs(peers: readonly CachedPeer[]): (string | Buffer)[] {
	const out: (string | Buffer)[] = new Array(peers.length * 3);
	let i = 0;
	for (const p of peers) {
		out[i++] = peerField(p);
		out[i++] = packPeer(p);
		out[i++] = p.meta ? packPeerMeta(p.meta) : NO_META;
	}
	return out;
}
const PAIRS_PER_HSET = 1000;
const STAGE_TTL_MS = 600_000;
/** The hashes `load({ peers: false })` reads: all but the peers, their metadata and its indexes. */
const STARTUP_PARTS: readonly DataPart[] = ["meta", "dcs", "chpts", "minpeers", "ext"];

/**
 * A session store on Redis or Redis Cluster. Each session is a few hashes under one hash tag
 * (`{prefix}:{<id>}:meta|dcs|chpts|peers|minpeers|ext|pmeta|unames|phones`), so every granular
 * write or lookup touches a few fields and costs O(1) whatever the session's size, and
 * multi-key scripts work on Cluster.
 */
export class RedisSessionBackend implements SessionBackend {
	readonly name: string = "redis";
	readonly capabilities: BackendCapabilities;
	/** The session id this instance is bound to. */
	readonly sessionId: string;
	/** The key prefix. */
	readonly prefix: string;
	/** The keys of this session. */
	readonly keys: SessionKeys;
	readonly #client: RedisLike;
	readonly #hub: ClientHub;
	/** The share of a client the backend made (`url`, `cluster`), released on close. */
	readonly #shared: SharedHandle<RedisLike> | undefined;
	readonly #run: CommandRunner;
	readonly #closeClient: boolean;
	readonly #readOnly: boolean;
	#lease: Lease | undefined;
	#closing: Promise<void> | undefined;
	/** Peers + min peers as last seen; sizes the timeout of a load without an extra round trip. */
	#entriesHint = 0;

	private constructor(
		options: RedisSessionOptions,
		keys: SessionKeys,
		client: RedisLike,
		shared: SharedHandle<RedisLike> | undefined,
	) {
		this.#client = client;
		this.#shared = shared;
		this.prefix = options.prefix ?? "xs";
		this.sessionId = options.sessionId ?? "default";
		this.keys = keys;
		this.#closeClient = options.closeClient ?? false;
		this.#readOnly = options.readOnly === true;
		this.#hub = attachHub(client);
		this.#run = new CommandRunner(
			client,
			this.#hub.watch,
			options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT,
			{ waitForReplicas: options.waitForReplicas, waitForAof: options.waitForAof },
			(op) => this.#checkWritable(op),
		);
		this.capabilities = {
			persistent: true,
			multiSession: true,
			locking: !options.readOnly && (options.lock ?? true),
			nativeGranular: true,
			coalescing: false,
			extensions: true,
			nativeLookups: true,
		};
	}

	/** Connects to the session: defines the scripts, checks options, and takes the lease. */
	static async open(options: RedisSessionOptions): Promise<RedisSessionBackend> {
		checkLocation(options);
		const keys = sessionKeys(options.prefix ?? "xs", options.sessionId ?? "default");
		const timeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
		if (!(timeout >= 0))
			throw new SessionBackendError("INVALID_ARGUMENT", "commandTimeout must be ≥ 0", {
				backend: BACKEND,
			});
		const ttl = options.leaseTtlMs ?? 15_000;
		if (!Number.isInteger(ttl) || ttl < 300) {
			throw new SessionBackendError("INVALID_ARGUMENT", "leaseTtlMs must be an integer ≥ 300", {
				backend: BACKEND,
			});
		}
		validateDurability(options);
		// the caller's client as is, else the one shared by every session on this url/cluster
		const shared = options.client ? undefined : await acquireSharedClient(options);
		const client = options.client ?? (shared?.value as RedisLike);
		defineScripts(client);
		const backend = new RedisSessionBackend(options, keys, client, shared);
		const run = <T>(op: string, c: () => Promise<T>) => backend.#run.bounded(op, c);
		try {
			await checkDatabase(client, run); // before the lease: it must land in that db
			await checkDurabilitySupport(client, options, run);
			if (!options.readOnly)
				backend.#run.useReplicaWait(await resolveReplicaWait(client, options.waitForReplicas, run));
			if (!options.readOnly && (options.lock ?? true)) {
				backend.#lease = await Lease.acquire(
					keys,
					backend.sessionId,
					{
						ttlMs: ttl,
						waitMs: options.lockWaitMs ?? 0,
						...(options.owner ? { owner: options.owner } : {}),
						// one timer and one round trip per interval for all the client's leases
						scheduler: (lease) => backend.#hub.renewer.add(lease, backend.#run.durability, timeout),
					},
					// lease writes too are never left in ioredis's offline queue, and are
					// confirmed by the replicas like the other writes
					(op, call) => backend.#run.leaseScript(op, call),
				);
			} else {
				await run("connect", () => client.ping());
			}
			const sizes = await run("open", () =>
				client.multi().hlen(keys.peers).hlen(keys.minpeers).exec(),
			);
			backend.#entriesHint = (sizes ?? []).reduce((n, r) => n + Number(r[1] ?? 0), 0);
		} catch (e) {
			await backend.#lease?.release().catch(() => undefined);
			await backend.#detach();
			throw e;
		}
		return backend;
	}

	/** Lists the session ids under a prefix (SCAN on every master). */
	static listSessions(location: RedisSessionsLocation): Promise<string[]> {
		return listRedisSessions(location);
	}

	/**
	 * Deletes a session no instance holds open; `SessionLockedError` when one does. Takes the
	 * options `open()` takes and the session id, like every backend that holds many sessions; the
	 * older one-argument form (`{ client, prefix, sessionId }`) still works.
	 */
	static deleteSession(
		location: RedisSessionsLocation & { sessionId?: string } & Durability,
		sessionId?: string,
	): Promise<boolean> {
		const id = sessionId ?? location.sessionId;
		if (id === undefined) {
			return Promise.reject(
				new SessionBackendError(
					"INVALID_ARGUMENT",
					"deleteSession needs the id of the session to delete: deleteSession(options, sessionId)",
					{ backend: BACKEND },
				),
			);
		}
		// confirmed by the replicas as an open backend's writes are (unheld-delete.ts)
		return withClient(location, (client) =>
			deleteUnheldSession({ ...location, client, sessionId: id }),
		);
	}

	/** The replica wait in force (resolved at open: see `waitForReplicas`), `undefined` for none. */
	get waitForReplicas(): WaitForReplicas | undefined {
		const w = this.#run.durability.waitForReplicas;
		return w ? { ...w } : undefined;
	}

	/** The fencing token of this instance's lease (`undefined` without locking). */
	get fencingToken(): string | undefined {
		return this.#lease?.token;
	}

	async load(options?: LoadOptions): Promise<PersistedSession | null> {
		const k = this.keys;
		// without peers, the four peer hashes (peers, metadata, username and phone indexes) are not read
		const parts = options?.peers === false ? STARTUP_PARTS : DATA_PARTS;
		// one MULTI, sent at once: calls issued after this one cannot land before its snapshot
		return this.#run.track(async () => {
			const replies = await this.#run.bounded(
				"load",
				() => {
					const m = this.#client.multi();
					for (const part of parts) m.hgetallBuffer(k[part]);
					return m.exec();
				},
				this.#run.bulkAllowance(parts === DATA_PARTS ? this.#entriesHint : 0),
			);
			const values = this.#run.unwrap(replies, "load") as Record<string, Buffer>[];
			const h = Object.fromEntries(
				DATA_PARTS.map((p) => [p, values[parts.indexOf(p)] ?? {}]),
			) as unknown as SessionHashes;
			if (parts === DATA_PARTS)
				this.#entriesHint = Object.keys(h.peers).length + Object.keys(h.minpeers).length;
			return unpackSession(h);
		});
	}

	async save(session: PersistedSession): Promise<void> {
		const packed = packSession(session);
		const k = this.keys;
		const nonce = randomBytes(8).toString("hex");
		const stage = DATA_PARTS.slice(1).map((p) => `${k.base}:stage:${nonce}:${p}`);
		const lists = DATA_PARTS.slice(1).map((p) => packed[p as Exclude<typeof p, "meta">]);
		const entries = lists.reduce((n, l) => n + l.length / 2, 0);
		this.#entriesHint = Math.max(this.#entriesHint, entries);
		await this.#run.write(
			"save",
			(p) => {
				lists.forEach((pairs, i) => {
					const key = stage[i] as string;
					for (let o = 0; o < pairs.length; o += PAIRS_PER_HSET * 2) {
						p.hset(key, ...(pairs.slice(o, o + PAIRS_PER_HSET * 2) as string[]));
					}
					if (pairs.length > 0) p.pexpire(key, STAGE_TTL_MS);
				});
				const args: (string | Buffer)[] = [
					...lists.map((l) => String(l.length / 2)),
					...packed.meta,
				];
				if (packed.token) args.push(packed.token);
				p.xsessionCommit(k.lease, k.fence, ...k.data, ...stage, ...this.#guardArgs(), ...args);
			},
			this.#run.bulkAllowance(entries),
		);
	}

	async delete(): Promise<void> {
		const k = this.keys;
		await this.#run.writeOne("delete", (c) =>
			c.xsessionDelete(k.lease, k.fence, ...k.data, ...this.#guardArgs()),
		);
	}

	async updateDc(dc: DcEntry): Promise<void> {
		const k = this.keys;
		const field = dcField(dc);
		const value = packDc(dc);
		await this.#run.writeOne("updateDc", (c) =>
			c.xsessionHset(k.lease, k.fence, k.meta, k.dcs, ...this.#guardArgs(), field, value),
		);
	}

	async setHomeDc(dcId: number): Promise<void> {
		checkI32(dcId, "dcId");
		const k = this.keys;
		await this.#run.writeOne("setHomeDc", (c) =>
			c.xsessionSetMeta(k.lease, k.fence, k.meta, ...this.#guardArgs(), "home", String(dcId)),
		);
	}

	async applyUpdateState(change: UpdateStateChange): Promise<void> {
		const send = this.#stateCall(change);
		return this.#run.writeOne("applyUpdateState", send);
	}

	/** The script call of one update-state change, its arguments checked now. */
	#stateCall(change: UpdateStateChange): (c: Scripted) => Promise<unknown> {
		const k = this.keys;
		const g = this.#guardArgs();
		switch (change?.type) {
			case "primary": {
				for (const f of ["pts", "date", "seq"] as const) checkI32(change[f], f);
				const args = [
					"pts",
					String(change.pts),
					"date",
					String(change.date),
					"seq",
					String(change.seq),
				];
				return (c) => c.xsessionSetMeta(k.lease, k.fence, k.meta, ...g, ...args);
			}
			case "secondary": {
				checkI32(change.qts, "qts");
				const qts = String(change.qts);
				return (c) => c.xsessionSetMeta(k.lease, k.fence, k.meta, ...g, "qts", qts);
			}
			case "channel": {
				const pair = channelPairs([{ channelId: change.channelId, pts: change.pts }]);
				return (c) => c.xsessionHset(k.lease, k.fence, k.meta, k.chpts, ...g, ...pair);
			}
			case "all": {
				const st = change.state;
				for (const f of ["pts", "qts", "date", "seq"] as const) checkI32(st[f], f);
				const pairs = channelPairs(st.channels);
				const head = [String(st.pts), String(st.qts), String(st.date), String(st.seq)];
				return (c) =>
					c.xsessionSetState(k.lease, k.fence, k.meta, k.chpts, ...g, ...head, ...pairs);
			}
			default:
				throw new SessionBackendError("INVALID_ARGUMENT", "unknown update state change", {
					backend: BACKEND,
				});
		}
	}

	cachePeer(peer: CachedPeer): Promise<void> {
		return this.cachePeers([peer]);
	}

	async cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		if (peers.length === 0) return this.#run.checkOpen();
		const k = this.keys;
		const args = peerArgs(preparePeers(peers, BACKEND));
		const g = this.#guardArgs();
		const keys = [k.lease, k.fence, k.meta, k.peers, k.pmeta, k.unames, k.phones] as const;
		this.#entriesHint += peers.length;
		if (peers.length <= PEERS_PER_SCRIPT) {
			return this.#run.writeOne("cachePeers", (c) => c.xsessionCachePeers(...keys, ...g, ...args));
		}
		// several scripts in one MULTI: one round trip, applied atomically
		await this.#run.write(
			"cachePeers",
			(p) => {
				for (let o = 0; o < args.length; o += PEERS_PER_SCRIPT * 3) {
					p.xsessionCachePeers(...keys, ...g, ...args.slice(o, o + PEERS_PER_SCRIPT * 3));
				}
			},
			this.#run.bulkAllowance(peers.length),
			true,
		);
	}

	/**
	 * One MULTI holding the script calls of every part, each with the lease check: the batch is
	 * applied as one step on the server, or refused whole when the lease is lost. Every argument
	 * is checked and packed before anything is sent.
	 */
	async applyChanges(changes: SessionChanges): Promise<void> {
		if (typeof changes !== "object" || changes === null)
			throw new SessionBackendError("INVALID_ARGUMENT", "changes must be an object", {
				backend: BACKEND,
			});
		const k = this.keys;
		const g = this.#guardArgs();
		const calls: ((p: ScriptedPipeline) => void)[] = [];
		const peers = changes.peers ?? [];
		if (peers.length > 0) {
			// first: the only part whose script can meet stored data it refuses (XSCORRUPT)
			const args = peerArgs(preparePeers(peers, BACKEND));
			const keys = [k.lease, k.fence, k.meta, k.peers, k.pmeta, k.unames, k.phones] as const;
			for (let o = 0; o < args.length; o += PEERS_PER_SCRIPT * 3) {
				const chunk = args.slice(o, o + PEERS_PER_SCRIPT * 3);
				calls.push((p) => p.xsessionCachePeers(...keys, ...g, ...chunk));
			}
		}
		const dcs = (changes.dcs ?? []).flatMap((dc) => [dcField(dc), packDc(dc)]);
		if (dcs.length > 0)
			calls.push((p) => p.xsessionHset(k.lease, k.fence, k.meta, k.dcs, ...g, ...dcs));
		if (changes.homeDcId !== undefined) {
			checkI32(changes.homeDcId, "dcId");
			const home = String(changes.homeDcId);
			calls.push((p) => p.xsessionSetMeta(k.lease, k.fence, k.meta, ...g, "home", home));
		}
		for (const change of changes.updateState ?? []) {
			const send = this.#stateCall(change);
			calls.push((p) => send(p as unknown as Scripted));
		}
		const gone = (changes.deleteMinPeers ?? []).map((id) => {
			checkI64(id, "minPeer.userId");
			return String(id);
		});
		const minPeers = (changes.minPeers ?? []).flatMap((m) => packMinPeer(m));
		const dropKeys = (changes.deleteExtensions ?? []).map((key) => {
			checkExtensionKey(key, BACKEND);
			return key;
		});
		const setPairs = (changes.setExtensions ?? []).flatMap((entry) => {
			if (!Array.isArray(entry))
				throw new SessionBackendError(
					"INVALID_ARGUMENT",
					"setExtensions entries are [key, value]",
					{
						backend: BACKEND,
					},
				);
			const [key, value] = entry;
			return [key, extensionValue(key, value, BACKEND).read((v) => Buffer.from(v))];
		});
		for (let o = 0; o < gone.length; o += PAIRS_PER_HSET) {
			const part = gone.slice(o, o + PAIRS_PER_HSET);
			calls.push((p) => p.xsessionHdel(k.lease, k.fence, k.minpeers, ...g, ...part));
		}
		if (minPeers.length > 0)
			calls.push((p) => p.xsessionHset(k.lease, k.fence, k.meta, k.minpeers, ...g, ...minPeers));
		for (let o = 0; o < dropKeys.length; o += PAIRS_PER_HSET) {
			const part = dropKeys.slice(o, o + PAIRS_PER_HSET);
			calls.push((p) => p.xsessionHdel(k.lease, k.fence, k.ext, ...g, ...part));
		}
		if (setPairs.length > 0)
			calls.push((p) => p.xsessionHset(k.lease, k.fence, k.meta, k.ext, ...g, ...setPairs));
		if (calls.length === 0) return this.#run.checkOpen();
		const entries = peers.length + minPeers.length / 2;
		this.#entriesHint += entries;
		await this.#run.write(
			"applyChanges",
			(p) => {
				for (const call of calls) call(p);
			},
			this.#run.bulkAllowance(entries),
			true,
		);
	}

	async setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		const bytes = extensionValue(key, value, BACKEND).read((v) => Buffer.from(v));
		const k = this.keys;
		await this.#run.writeOne("setExtension", (c) =>
			c.xsessionHset(k.lease, k.fence, k.meta, k.ext, ...this.#guardArgs(), key, bytes),
		);
	}

	async deleteExtension(key: string): Promise<void> {
		checkExtensionKey(key, BACKEND);
		const k = this.keys;
		await this.#run.writeOne("deleteExtension", (c) =>
			c.xsessionHdel(k.lease, k.fence, k.ext, ...this.#guardArgs(), key),
		);
	}

	async getExtension(key: string): Promise<SecretBytes | null> {
		checkExtensionKey(key, BACKEND);
		const value = await this.#read("getExtension", () =>
			this.#client.hgetBuffer(this.keys.ext, key),
		);
		return value === null ? null : secretOf(value);
	}

	async listExtensionKeys(prefix = ""): Promise<string[]> {
		const keys = await this.#read("listExtensionKeys", () => this.#client.hkeys(this.keys.ext));
		return keys.filter((key) => key.startsWith(prefix)).sort();
	}

	getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#readPeer("f", peerField({ kind, id }));
	}

	findPeerByUsername(username: string): Promise<CachedPeer | null> {
		const name = normalizeUsername(String(username));
		return name ? this.#readPeer("u", name) : this.#nothing();
	}

	findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		const digits = normalizePhone(String(phone));
		return digits ? this.#readPeer("p", digits) : this.#nothing();
	}

	async #nothing(): Promise<null> {
		this.#run.checkOpen();
		return null;
	}

	async #readPeer(mode: "f" | "u" | "p", value: string): Promise<CachedPeer | null> {
		const k = this.keys;
		const reply = (await this.#read("findPeer", () =>
			(this.#client as unknown as PeerReader).xsessionPeerBuffer(
				k.peers,
				k.pmeta,
				k.unames,
				k.phones,
				mode,
				value,
			),
		)) as Buffer[] | null;
		if (!reply) return null;
		const [f, v, m, phone, ...names] = reply as [Buffer, Buffer, Buffer?, Buffer?, ...Buffer[]];
		const field = f.toString("utf8");
		const peer = unpackPeer(field, v);
		if (m && phone) {
			const owned = phone.length > 0 ? phone.toString("utf8") : null;
			peer.meta = unpackPeerMeta(
				field,
				m,
				names.map((n) => n.toString("utf8")),
				owned,
			);
		}
		return peer;
	}

	/** A read sent in call order with the writes, bounded and tracked like them. */
	#read<T>(op: string, command: () => Promise<T>): Promise<T> {
		return this.#run.track(() => this.#run.bounded(op, command));
	}

	/** Waits for every operation already started. Nothing is coalesced, so nothing else is pending. */
	async flush(): Promise<void> {
		this.#run.checkOpen();
		await this.#run.settled();
	}

	/** Waits for operations in flight, releases the lease (compare-and-delete) and detaches. Idempotent. */
	close(): Promise<void> {
		this.#closing ??= (async () => {
			await this.#run.shutdown();
			try {
				await this.#lease?.release();
			} finally {
				await this.#detach();
			}
		})();
		return this.#closing;
	}

	/** Gives back this session's share of the client: its hub, and a client the backend made. */
	async #detach(): Promise<void> {
		try {
			if (this.#shared) await this.#shared.release();
			else if (this.#closeClient) await this.#client.quit().catch(() => this.#client.disconnect());
		} finally {
			this.#hub.detach();
		}
	}

	#guardArgs(): [string, string] {
		return this.#lease ? [this.#lease.value, this.#lease.token] : ["", ""];
	}

	#checkWritable(op: string): void {
		this.#run.checkOpen();
		if (this.#readOnly)
			throw new SessionBackendError(
				"UNSUPPORTED",
				`${op}: session "${this.sessionId}" was opened read-only (readOnly: true); open it without readOnly to write`,
				{ backend: BACKEND },
			);
		// a lease taken over is refused here; one that ran out goes to the server, whose guard
		// refuses it too and says whether another holder has taken over since
		const lost = this.#lease?.lost;
		if (lost?.kind === "taken") throw leaseLostError(op, lost);
	}
}
