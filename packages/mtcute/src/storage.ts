import {
	type CachedMinPeer,
	type CachedPeer,
	type DcEntry,
	DcFlags,
	defaultDcAddress,
	formatDcAddress,
	type PersistedSession,
	parseDcAddress,
	SecretBytes,
	type SessionBackend,
	SessionBackendError,
	type SessionChanges,
	type UpdateStateChange,
} from "@x/session-core";
import {
	type BasicDcOption,
	int32Bytes,
	packTempKey,
	parseDcOption,
	readInt32,
	serializeDcOption,
	unpackTempKey,
} from "./codec.js";
import { peerOfMarkedId } from "./ids.js";
import { cachedPeersOf, type PeerInfo, peerInfoOf, ResidentPeers } from "./peers.js";
import { REF_BUCKETS, RefMessages } from "./refs.js";

const ADAPTER = "mtcute";

/** Where the adapter keeps what the typed model cannot hold, in the backend's extension area. */
export const MTCUTE_KEYS = {
	/** Every key-value entry mtcute writes, as written (`mtcute:kv:dc_main`, …). */
	kv: "mtcute:kv:",
	/** Permanent auth keys by DC (also in the DC entries, for other readers). */
	authKey: "mtcute:key:",
	/** Temporary (PFS) keys: `mtcute:temp:<dc>:<idx>`. */
	tempKey: "mtcute:temp:",
	/** Reference messages, in {@link REF_BUCKETS} buckets by peer id. */
	refs: "mtcute:refs:",
	/** The adapter's format version, written with the first save. */
	format: "mtcute:format",
} as const;
const FORMAT_VALUE = new Uint8Array([1]);

const NAMESPACE = "mtcute:";
const COUNTERS = ["updates_pts", "updates_qts", "updates_date", "updates_seq"] as const;
const CHANNEL_PTS = "updates_channel:";
const I32_MAX = 0x7fff_ffff;
const DONE: Promise<void> = Promise.resolve();

/** Options of {@link mtcuteStorage}. */
export interface MtcuteStorageOptions {
	/**
	 * Called when a save fails (the batch stays queued and is retried). Without it the failure is
	 * logged through mtcute's logger, or as one line on stderr. `flush()` and `destroy()` reject.
	 */
	onError?: (error: unknown) => void;
	/**
	 * Keep every peer in memory, read once at load. Default: only when the backend cannot answer
	 * lookups itself or does not persist (memory, string, file); SQL and Redis are asked per lookup.
	 */
	resident?: boolean;
	/** Close the backend in `destroy()` (default `true`). */
	closeBackend?: boolean;
	/** Retry a failed save after this many ms (default 1000; 0: only at the next save). */
	retryDelayMs?: number;
}

/** What mtcute's `setup()` hands a driver; only its logger is used. */
interface MtcuteLogger {
	error(format: string, ...args: unknown[]): void;
}

/**
 * An mtcute storage provider (`{ driver, kv, authKeys, peers, refMessages }`) kept in any
 * `SessionBackend`. Auth-key writes are applied before they resolve; key-value data, peers and
 * reference messages are held until mtcute's `driver.save()` and then written as one
 * `applyChanges` batch (one transaction in SQL, one MULTI in Redis, one atomic file write).
 */
export class MtcuteStorage {
	/** The backend everything is written to. */
	readonly backend: SessionBackend;
	/** mtcute's `IStorageDriver`: `load()` reads what is needed, `save()` writes the held batch. */
	readonly driver: {
		setup(log: MtcuteLogger): void;
		load(): Promise<void>;
		save(): Promise<void>;
		destroy(): Promise<void>;
	};
	/** mtcute's `IKeyValueRepository`: held until `driver.save()`. */
	readonly kv: {
		set(key: string, value: Uint8Array): Promise<void>;
		get(key: string): Promise<Uint8Array | null>;
		delete(key: string): Promise<void>;
		deleteAll(): Promise<void>;
	};
	/** mtcute's `IAuthKeysRepository`: every write is applied before it resolves. */
	readonly authKeys: {
		set(dc: number, key: Uint8Array | null): Promise<void>;
		get(dc: number): Promise<Uint8Array | null>;
		setTemp(dc: number, idx: number, key: Uint8Array | null, expires: number): Promise<void>;
		getTemp(dc: number, idx: number, now: number): Promise<Uint8Array | null>;
		deleteByDc(dc: number): Promise<void>;
		deleteAll(): Promise<void>;
	};
	/** mtcute's `IPeersRepository`: held until `driver.save()`; reads see held peers. */
	readonly peers: {
		store(peer: PeerInfo): Promise<void>;
		getById(id: number): Promise<PeerInfo | null>;
		getByUsername(username: string): Promise<PeerInfo | null>;
		getByPhone(phone: string): Promise<PeerInfo | null>;
		deleteAll(): Promise<void>;
	};
	/** mtcute's `IReferenceMessagesRepository`: in memory, written at `driver.save()`. */
	readonly refMessages: {
		store(peerId: number, chatId: number, msgId: number): Promise<void>;
		getByPeer(peerId: number): Promise<[number, number] | null>;
		delete(chatId: number, msgIds: number[]): Promise<void>;
		deleteByPeer(peerId: number): Promise<void>;
		deleteAll(): Promise<void>;
	};

	readonly #options: MtcuteStorageOptions;
	/** Every peer, when resident; otherwise `null` and lookups go to the backend. */
	readonly #resident: ResidentPeers | null;
	readonly #refs = new RefMessages();
	/** Known extension values (`null`: known absent). Complete when resident. */
	readonly #ext = new Map<string, Uint8Array | null>();
	readonly #kvUnsaved = new Map<string, Uint8Array | null>();
	/** Peers stored since the save in flight began (or since the last save). */
	#peersUnsaved = new Map<number, PeerInfo>();
	/** The peers of the save in flight, taken from `#peersUnsaved` as it began; `null` between saves. */
	#peersSaving: Map<number, PeerInfo> | null = null;
	#loading: Promise<void> | undefined;
	#loaded = false;
	/** Saves and key writes, one at a time and in call order. */
	#serial: Promise<unknown> = Promise.resolve();
	#queuedSave: Promise<void> | undefined;
	#destroying: Promise<void> | undefined;
	#retry: ReturnType<typeof setTimeout> | undefined;
	#log: MtcuteLogger | undefined;
	#lastError: unknown;

	/** Prefer {@link mtcuteStorage}. Rejects a backend that cannot store extension data. */
	constructor(backend: SessionBackend, options: MtcuteStorageOptions = {}) {
		if (typeof backend?.applyChanges !== "function" || typeof backend.getExtension !== "function")
			throw new SessionBackendError("INVALID_ARGUMENT", "backend must be a SessionBackend", {
				backend: ADAPTER,
			});
		if (!backend.capabilities.extensions)
			throw new SessionBackendError(
				"UNSUPPORTED",
				`the ${backend.name} backend does not store extension data, which mtcute needs`,
				{ backend: ADAPTER },
			);
		this.backend = backend;
		this.#options = options;
		const native = backend.capabilities.nativeLookups && backend.capabilities.persistent;
		this.#resident = (options.resident ?? !native) ? new ResidentPeers() : null;
		this.driver = {
			setup: (log) => {
				this.#log = log;
			},
			load: () => this.#load(),
			save: () => this.#save(),
			destroy: () => this.destroy(),
		};
		this.kv = {
			set: (key, value) => this.#kvSet(key, copy(value)),
			get: (key) => this.#ready(() => this.#kvGet(key)),
			delete: (key) => this.#kvSet(key, null),
			deleteAll: () => this.#ready(() => this.#exclusive(() => this.#kvDeleteAll())),
		};
		this.authKeys = {
			set: (dc, key) =>
				this.#ready(() => this.#exclusive(() => this.#setKey(dc, key && copy(key)))),
			get: (dc) => this.#ready(() => this.#value(MTCUTE_KEYS.authKey + dc)),
			setTemp: (dc, idx, key, expires) =>
				this.#ready(() =>
					this.#exclusive(() => {
						const name = `${MTCUTE_KEYS.tempKey}${dc}:${idx}`;
						return this.#writeExt(name, key && packTempKey(key, expires));
					}),
				),
			getTemp: (dc, idx, now) =>
				this.#ready(async () => {
					const value = await this.#value(`${MTCUTE_KEYS.tempKey}${dc}:${idx}`);
					const temp = value && unpackTempKey(value);
					// valid while now < expires, compared with the caller's clock only
					return temp && now < temp.expires ? temp.key : null;
				}),
			deleteByDc: (dc) => this.#ready(() => this.#exclusive(() => this.#deleteKeys(dc))),
			deleteAll: () => this.#ready(() => this.#exclusive(() => this.#deleteKeys(null))),
		};
		this.peers = {
			store: (peer) => {
				// mtcute calls this per peer: once loaded, no task to queue
				if (!this.#loaded) return this.#ready(async () => this.#storePeer(peer));
				try {
					this.#storePeer(peer);
					return DONE;
				} catch (error) {
					return Promise.reject(error);
				}
			},
			getById: (id) => this.#ready(() => this.#peerById(id)),
			getByUsername: (username) => this.#ready(() => this.#peerBy("username", username)),
			getByPhone: (phone) => this.#ready(() => this.#peerBy("phone", phone)),
			deleteAll: () => this.#ready(() => this.#exclusive(() => this.#deletePeers())),
		};
		this.refMessages = {
			store: (peerId, chatId, msgId) =>
				this.#ready(async () => this.#refs.store(peerId, chatId, msgId)),
			getByPeer: (peerId) => this.#ready(async () => this.#refs.getByPeer(peerId)),
			delete: (chatId, msgIds) => this.#ready(async () => this.#refs.delete(chatId, msgIds)),
			deleteByPeer: (peerId) => this.#ready(async () => this.#refs.deleteByPeer(peerId)),
			deleteAll: () => this.#ready(async () => this.#refs.deleteAll()),
		};
	}

	/** The last save failure, while the data it held is still queued. */
	get lastError(): unknown {
		return this.#lastError;
	}

	/** Writes everything held since the last save; rejects when the backend fails (nothing is lost). */
	flush(): Promise<void> {
		return this.#ready(() => this.#saveQueued());
	}

	/** A final flush (rejects on failure, and the backend stays open), then closes the backend. */
	destroy(): Promise<void> {
		this.#destroying ??= (async () => {
			if (this.#loading) await this.flush();
			if (this.#retry) clearTimeout(this.#retry);
			if (this.#options.closeBackend !== false) await this.backend.close();
		})().catch((error) => {
			this.#destroying = undefined;
			throw error;
		});
		return this.#destroying;
	}

	// --- loading

	/** Runs `task` once loaded: at once when loading is done (mtcute calls some methods per peer). */
	#ready<T>(task: () => Promise<T>): Promise<T> {
		if (this.#loaded) {
			try {
				return task();
			} catch (error) {
				return Promise.reject(error);
			}
		}
		return this.#load().then(task);
	}

	#load(): Promise<void> {
		this.#loading ??= this.#read().then(
			() => {
				this.#loaded = true;
			},
			(error) => {
				this.#loading = undefined; // a later load() tries again
				throw error;
			},
		);
		return this.#loading;
	}

	async #read(): Promise<void> {
		if (this.#resident) {
			const session = await this.backend.load();
			for (const [key, value] of session?.extensions ?? []) this.#ext.set(key, value.expose());
			for (const peer of session?.peers ?? []) {
				const info = peerInfoOf(peer);
				if (info) this.#resident.put(info);
			}
			for (const [key, value] of this.#ext)
				if (key.startsWith(MTCUTE_KEYS.refs) && value) this.#refs.loadBucket(value);
			if (session && ![...this.#ext.keys()].some((k) => k.startsWith(NAMESPACE)))
				await this.#seed(session);
			return;
		}
		const keys = await this.backend.listExtensionKeys(NAMESPACE);
		if (keys.includes(MTCUTE_KEYS.format)) this.#ext.set(MTCUTE_KEYS.format, FORMAT_VALUE);
		for (const key of keys) {
			if (!key.startsWith(MTCUTE_KEYS.refs)) continue;
			const value = await this.#value(key);
			if (value) this.#refs.loadBucket(value);
		}
		if (keys.length === 0) {
			// nothing of mtcute's here yet: a session another client wrote is read once, to give
			// mtcute its DC, keys and counters
			const session = await this.backend.load();
			if (session) await this.#seed(session);
		}
	}

	/** Gives mtcute what a session written by another client has: home DC, keys, update state. */
	async #seed(session: PersistedSession): Promise<void> {
		const home = homeEntries(session);
		const addr = home.main && parseDcAddress(home.main.addr);
		if (!home.main?.authKey || !addr) return;
		const values: [string, Uint8Array][] = [];
		const option = (
			entry: DcEntry,
			ip: string,
			port: number,
			mediaOnly: boolean,
		): BasicDcOption => ({
			id: entry.dcId,
			ipAddress: ip,
			port,
			ipv6: (entry.flags & DcFlags.IPV6) !== 0,
			mediaOnly,
			testMode: false,
		});
		values.push([
			`${MTCUTE_KEYS.kv}dc_main`,
			serializeDcOption(option(home.main, addr.ip, addr.port, false)),
		]);
		const mediaAddr = home.media && parseDcAddress(home.media.addr);
		if (home.media && mediaAddr)
			values.push([
				`${MTCUTE_KEYS.kv}dc_media`,
				serializeDcOption(option(home.media, mediaAddr.ip, mediaAddr.port, true)),
			]);
		const keyed = new Set<number>();
		for (const dc of [home.main, ...session.dcs]) {
			if (!dc.authKey || keyed.has(dc.dcId) || dc.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN))
				continue;
			keyed.add(dc.dcId);
			values.push([MTCUTE_KEYS.authKey + dc.dcId, dc.authKey.expose()]);
		}
		const st = session.updatesState;
		if (st.pts > 0 || st.qts > 0 || st.date > 0 || st.seq > 0) {
			const counters = [st.pts, st.qts, st.date, st.seq];
			for (const [i, k] of COUNTERS.entries())
				values.push([MTCUTE_KEYS.kv + k, int32Bytes(counters[i] as number)]);
			for (const c of st.channels)
				if (c.pts >= 0)
					values.push([`${MTCUTE_KEYS.kv}${CHANNEL_PTS}${c.channelId}`, int32Bytes(c.pts, true)]);
		}
		values.push([MTCUTE_KEYS.format, FORMAT_VALUE]);
		await this.backend.applyChanges({ setExtensions: values });
		for (const [key, value] of values) this.#ext.set(key, value);
	}

	/** An extension value: known, or (when not resident) read from the backend and remembered. */
	async #value(key: string): Promise<Uint8Array | null> {
		const known = this.#ext.get(key);
		if (known !== undefined || this.#resident) return known ?? null;
		const stored = await this.backend.getExtension(key);
		const value = stored ? stored.expose() : null;
		if (!this.#ext.has(key)) this.#ext.set(key, value);
		return this.#ext.get(key) ?? null;
	}

	// --- key-value data (held until save)

	#kvSet(key: string, value: Uint8Array | null): Promise<void> {
		return this.#ready(async () => {
			this.#kvUnsaved.set(key, value);
			this.#ext.set(MTCUTE_KEYS.kv + key, value);
		});
	}

	#kvGet(key: string): Promise<Uint8Array | null> {
		return this.#value(MTCUTE_KEYS.kv + key);
	}

	async #kvDeleteAll(): Promise<void> {
		const keys = new Set(
			this.#resident ? [] : await this.backend.listExtensionKeys(MTCUTE_KEYS.kv),
		);
		for (const [key, value] of this.#ext)
			if (key.startsWith(MTCUTE_KEYS.kv) && value) keys.add(key);
		const zero = { pts: 0, qts: 0, date: 0, seq: 0, channels: [] };
		await this.backend.applyChanges({
			updateState: [{ type: "all", state: zero }],
			deleteExtensions: [...keys],
		});
		this.#kvUnsaved.clear();
		for (const key of [...this.#ext.keys()])
			if (key.startsWith(MTCUTE_KEYS.kv)) this.#ext.set(key, null);
	}

	// --- auth keys (written before they resolve)

	async #setKey(dc: number, key: Uint8Array | null): Promise<void> {
		const entry = await this.#dcEntryFor(dc, key);
		const name = MTCUTE_KEYS.authKey + dc;
		await this.backend.applyChanges({
			dcs: entry ? [entry] : [],
			...(key ? { setExtensions: [[name, key]] } : { deleteExtensions: [name] }),
		});
		this.#ext.set(name, key);
	}

	async #writeExt(name: string, value: Uint8Array | null): Promise<void> {
		await this.backend.applyChanges(
			value ? { setExtensions: [[name, value]] } : { deleteExtensions: [name] },
		);
		this.#ext.set(name, value);
	}

	/** Removes the permanent and temporary keys of `dc`, or of every DC. */
	async #deleteKeys(dc: number | null): Promise<void> {
		const prefixes =
			dc === null ? [MTCUTE_KEYS.authKey, MTCUTE_KEYS.tempKey] : [`${MTCUTE_KEYS.tempKey}${dc}:`];
		const names = new Set<string>(dc === null ? [] : [MTCUTE_KEYS.authKey + dc]);
		for (const prefix of prefixes) {
			if (!this.#resident)
				for (const key of await this.backend.listExtensionKeys(prefix)) names.add(key);
			for (const [key, value] of this.#ext) if (key.startsWith(prefix) && value) names.add(key);
		}
		const dcs: DcEntry[] = [];
		for (const name of names) {
			if (!name.startsWith(MTCUTE_KEYS.authKey)) continue;
			const entry = await this.#dcEntryFor(Number(name.slice(MTCUTE_KEYS.authKey.length)), null);
			if (entry) dcs.push(entry);
		}
		await this.backend.applyChanges({ dcs, deleteExtensions: [...names] });
		for (const name of names) this.#ext.set(name, null);
	}

	/** The typed DC entry carrying `key`: at mtcute's main address for its DC, else the default one. */
	async #dcEntryFor(dc: number, key: Uint8Array | null): Promise<DcEntry | null> {
		const main = parseDcOption(await this.#kvGet("dc_main"));
		if (main && main.id === dc && !main.mediaOnly) return dcEntryOf(main, key);
		const addr = Number.isInteger(dc) ? defaultDcAddress(dc) : undefined;
		return addr ? entryAt(dc, addr, key, DcFlags.NONE) : null;
	}

	// --- peers (held until save; reads see them)

	/** A peer stored and not saved yet (or in the save in flight). */
	#unsavedPeer(id: number): PeerInfo | undefined {
		return this.#peersUnsaved.get(id) ?? this.#peersSaving?.get(id);
	}

	#storePeer(peer: PeerInfo): void {
		const info: PeerInfo = {
			...peer,
			usernames: [...(peer.usernames ?? [])],
			isMin: peer.isMin === true,
		};
		this.#peersUnsaved.set(info.id, info);
		this.#resident?.put(info);
	}

	async #peerById(id: number): Promise<PeerInfo | null> {
		const unsaved = this.#unsavedPeer(id);
		if (unsaved) return unsaved;
		if (this.#resident) return this.#resident.byId(id);
		const peer = peerOfMarkedId(id);
		return peer && infoOf(await this.backend.getPeer(peer.kind, peer.id));
	}

	async #peerBy(what: "username" | "phone", value: string): Promise<PeerInfo | null> {
		let found: PeerInfo | null;
		if (this.#resident)
			found =
				what === "username" ? this.#resident.byUsername(value) : this.#resident.byPhone(value);
		else {
			found = null;
			const owns = what === "username" ? ownsUsername : ownsPhone;
			// the last owner in store order, as one map of everything unsaved would hold them: the
			// saving peers (as stored since, when they were), then the peers new since
			const saving = this.#peersSaving;
			const unsaved = this.#peersUnsaved;
			if (saving)
				for (const [id, info] of saving) {
					const latest = unsaved.get(id) ?? info;
					if (owns(latest, value)) found = latest;
				}
			for (const [id, info] of unsaved) if (!saving?.has(id) && owns(info, value)) found = info;
			if (!found) {
				const stored = infoOf(
					await (what === "username"
						? this.backend.findPeerByUsername(value)
						: this.backend.findPeerByPhone(value)),
				);
				// a peer rewritten since, without this username or phone, no longer owns it
				found = stored && !this.#unsavedPeer(stored.id) ? stored : null;
			}
		}
		return found && !found.isMin ? found : null; // never a min peer by username or phone
	}

	async #deletePeers(): Promise<void> {
		this.#peersUnsaved.clear();
		this.#resident?.clear();
		const session = await this.backend.load();
		if (!session || session.peers.length === 0) return;
		session.peers = [];
		await this.backend.save(session);
	}

	// --- saving

	#save(): Promise<void> {
		// mtcute awaits this after every RPC: a failure must not fail the user's call
		return this.#saveQueued().catch(() => undefined);
	}

	/** One save queued behind the running one: calls made meanwhile share it (coalescing). */
	#saveQueued(): Promise<void> {
		this.#queuedSave ??= this.#exclusive(() => {
			this.#queuedSave = undefined;
			return this.#write();
		});
		return this.#queuedSave;
	}

	#exclusive<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#serial.then(task, task);
		this.#serial = run.catch(() => undefined);
		return run;
	}

	async #write(): Promise<void> {
		const kv = new Map(this.#kvUnsaved);
		const peers = this.#peersUnsaved;
		const buckets = [...this.#refs.dirtyBuckets];
		const users = [...this.#refs.dirtyUsers];
		this.#refs.dirtyBuckets.clear();
		this.#refs.dirtyUsers.clear();
		if (kv.size + peers.size + buckets.length + users.length === 0) return;
		// the peers are taken, not copied: stores made meanwhile go to a new map (reads see both)
		this.#peersUnsaved = new Map();
		this.#peersSaving = peers;
		try {
			await this.backend.applyChanges(await this.#changesOf(kv, peers, buckets, users));
		} catch (error) {
			// the batch stays queued, as one map would hold it: a peer stored since keeps its
			// place with the newer value, peers new since come after
			for (const [id, info] of this.#peersUnsaved) peers.set(id, info);
			this.#peersUnsaved = peers;
			this.#peersSaving = null;
			for (const b of buckets) this.#refs.dirtyBuckets.add(b);
			for (const u of users) this.#refs.dirtyUsers.add(u);
			this.#lastError = error;
			this.#report(error);
			this.#scheduleRetry();
			throw error;
		}
		for (const [key, value] of kv)
			if (this.#kvUnsaved.get(key) === value) this.#kvUnsaved.delete(key);
		this.#peersSaving = null;
		this.#lastError = undefined;
	}

	/** The batch for one save: mtcute's data as written, plus its typed projection for other readers. */
	async #changesOf(
		kv: Map<string, Uint8Array | null>,
		peers: Map<number, PeerInfo>,
		buckets: number[],
		users: number[],
	): Promise<SessionChanges> {
		const setExtensions: [string, Uint8Array][] = [];
		const deleteExtensions: string[] = [];
		for (const [key, value] of kv) {
			if (value) setExtensions.push([MTCUTE_KEYS.kv + key, value]);
			else deleteExtensions.push(MTCUTE_KEYS.kv + key);
		}
		if (!this.#ext.get(MTCUTE_KEYS.format)) setExtensions.push([MTCUTE_KEYS.format, FORMAT_VALUE]);
		const changes: SessionChanges = { setExtensions, deleteExtensions };
		const dcs: DcEntry[] = [];
		const main = parseDcOption(kv.get("dc_main") ?? null);
		if (main) {
			const entry = dcEntryOf(main, await this.#value(MTCUTE_KEYS.authKey + main.id));
			if (entry) {
				dcs.push(entry);
				changes.homeDcId = main.id;
			}
		}
		const media = parseDcOption(kv.get("dc_media") ?? null);
		const mediaEntry = media && dcEntryOf({ ...media, mediaOnly: true }, null);
		if (mediaEntry) dcs.push(mediaEntry);
		changes.dcs = dcs;
		changes.updateState = await this.#stateChanges(kv);
		changes.peers = cachedPeersOf(peers.values());
		for (const b of buckets) {
			const value = this.#refs.bucket(b);
			if (value) setExtensions.push([MTCUTE_KEYS.refs + b, value]);
			else deleteExtensions.push(MTCUTE_KEYS.refs + b);
		}
		const minPeers: CachedMinPeer[] = [];
		const deleteMinPeers: bigint[] = [];
		for (const user of users) {
			const context = this.#refs.minPeerOf(user);
			if (context) minPeers.push(context);
			else deleteMinPeers.push(BigInt(user));
		}
		return { ...changes, minPeers, deleteMinPeers };
	}

	/** Typed update state: the four counters together once all are known, and channel pts. */
	async #stateChanges(kv: Map<string, Uint8Array | null>): Promise<UpdateStateChange[]> {
		const out: UpdateStateChange[] = [];
		if (COUNTERS.some((k) => kv.has(k))) {
			const [pts, qts, date, seq] = await Promise.all(
				COUNTERS.map(async (k) => readInt32(await this.#kvGet(k))),
			);
			if (pts != null && qts != null && date != null && seq != null)
				out.push({ type: "primary", pts, date, seq }, { type: "secondary", qts });
		}
		for (const [key, value] of kv) {
			if (!key.startsWith(CHANNEL_PTS)) continue;
			const id = key.slice(CHANNEL_PTS.length);
			const pts = readInt32(value, true);
			if (pts !== null && pts <= I32_MAX && /^\d{1,18}$/.test(id))
				out.push({ type: "channel", channelId: BigInt(id), pts });
		}
		return out;
	}

	#scheduleRetry(): void {
		const delay = this.#options.retryDelayMs ?? 1000;
		if (delay <= 0 || this.#retry || this.#destroying) return;
		this.#retry = setTimeout(() => {
			this.#retry = undefined;
			this.#saveQueued().catch(() => undefined);
		}, delay);
		this.#retry.unref?.();
	}

	#report(error: unknown): void {
		if (this.#options.onError) {
			try {
				this.#options.onError(error);
			} catch {
				// a throwing handler must not fail mtcute's call
			}
			return;
		}
		const message = error instanceof Error ? error.message : String(error);
		const line = `[x-session] [mtcute] save failed (kept, will retry): ${message}`;
		if (this.#log) this.#log.error("%s", line);
		else console.error(line);
	}
}

/** An mtcute storage provider on `backend`: `new TelegramClient({ …, storage: mtcuteStorage(backend) })`. */
export function mtcuteStorage(
	backend: SessionBackend,
	options: MtcuteStorageOptions = {},
): MtcuteStorage {
	return new MtcuteStorage(backend, options);
}

function copy(bytes: Uint8Array): Uint8Array {
	return new Uint8Array(bytes);
}

function infoOf(peer: CachedPeer | null): PeerInfo | null {
	return peer && peerInfoOf(peer);
}

function ownsUsername(info: PeerInfo, username: string): boolean {
	const wanted = username.trim().replace(/^@/, "").toLowerCase();
	return info.usernames.some((u) => u.toLowerCase() === wanted);
}

function ownsPhone(info: PeerInfo, phone: string): boolean {
	const digits = phone.replace(/\D/g, "");
	return digits.length > 0 && (info.phone ?? "").replace(/\D/g, "") === digits;
}

function entryAt(dcId: number, addr: string, key: Uint8Array | null, flags: number): DcEntry {
	return {
		dcId,
		addr,
		authKey: key && key.length === 256 ? new SecretBytes(key) : null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: flags | (addr.startsWith("[") ? DcFlags.IPV6 : 0),
	};
}

/** mtcute's DC option as a typed entry, or `null` when its address is no socket address. */
function dcEntryOf(dc: BasicDcOption, key: Uint8Array | null): DcEntry | null {
	if (!Number.isInteger(dc.port) || dc.port < 1 || dc.port > 65535) return null;
	const addr = formatDcAddress(dc.ipAddress, dc.port);
	if (!parseDcAddress(addr)) return null;
	return entryAt(dc.id, addr, key, dc.mediaOnly ? DcFlags.MEDIA_ONLY : DcFlags.NONE);
}

/** The home DC's main entry (one with a key first) and its media-only entry, same IP family preferred. */
function homeEntries(session: PersistedSession): { main?: DcEntry; media?: DcEntry } {
	const own = session.dcs.filter((d) => d.dcId === session.homeDcId && !(d.flags & DcFlags.CDN));
	const mains = own.filter((d) => !(d.flags & DcFlags.MEDIA_ONLY));
	const main = mains.find((d) => d.authKey) ?? mains[0];
	const medias = own.filter((d) => d.flags & DcFlags.MEDIA_ONLY);
	const media =
		medias.find((d) => (d.flags & DcFlags.IPV6) === ((main?.flags ?? 0) & DcFlags.IPV6)) ??
		medias[0];
	return { ...(main ? { main } : {}), ...(media ? { media } : {}) };
}
