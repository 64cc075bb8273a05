// The GramJS session class: GramJS's own MemorySession, extended so that everything it holds is
// read from a backend once and written behind. The parts live beside it: the entity rows and their
// lookups (entity-index.ts), what is dirty (pending-writes.ts), the delayed serialized flush
// (write-behind.ts) and the DC entries (dc-entries.ts).
import {
	type CachedPeer,
	defaultDcAddress,
	formatDcAddress,
	type PersistedSession,
	parseDcAddress,
	type SessionBackend,
	SessionBackendError,
} from "@x/session-core";
import {
	type AuthKeyLike,
	accessor,
	authKeyOf,
	type GramjsClasses,
	type MemorySessionShape,
} from "./classes.js";
import { dcEntryOf, homeEntry, isServiceDc } from "./dc-entries.js";
import { EntityIndex } from "./entity-index.js";
import type { GramjsBackedSession, GramjsSessionOptions } from "./options.js";
import { type EntityRow, peerOfMarkedId, peerOfRow, rowOfPeer } from "./peers.js";
import { PendingWrites } from "./pending-writes.js";
import { reportWriteFailure, WriteBehind } from "./write-behind.js";

const ADAPTER = "gramjs";
/** Entity rows a lazy session keeps by default. */
const DEFAULT_PEER_CACHE = 10_000;
/** Backend lookups for cache misses at once, at most (a burst of misses waits for the next one). */
const MAX_FETCHES = 32;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

const classCache = new WeakMap<
	object,
	new (
		b: SessionBackend,
		o: GramjsSessionOptions,
	) => unknown
>();

/**
 * A GramJS session kept in `backend`: `load()` reads the session into memory (GramJS's getters
 * and lookups are synchronous), with every peer or, where the backend looks peers up
 * synchronously, none (see `GramjsSessionOptions.peers`); changes apply in memory at once and are
 * written behind with the backend's granular methods. Pass the classes of your own `telegram`
 * install; the session has the type of your `MemorySession`, so `TelegramClient` takes it as it is:
 *
 * ```ts
 * import { MemorySession } from "telegram/sessions/index.js";
 * import { AuthKey } from "telegram/crypto/AuthKey.js";
 * const session = gramjsSession({ MemorySession, AuthKey }, await FileSessionBackend.open({ path }));
 * const client = new TelegramClient(session, apiId, apiHash, {});
 * ```
 */
export function gramjsSession<S>(
	classes: GramjsClasses<S>,
	backend: SessionBackend,
	options: GramjsSessionOptions = {},
): GramjsBackedSession & S {
	if (typeof classes?.MemorySession !== "function" || typeof classes?.AuthKey !== "function")
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"pass { MemorySession, AuthKey } from your own telegram (or teleproto) install",
			{ backend: ADAPTER },
		);
	if (typeof backend?.load !== "function" || typeof backend.cachePeers !== "function")
		throw new SessionBackendError("INVALID_ARGUMENT", "backend must be a SessionBackend", {
			backend: ADAPTER,
		});
	let Session = classCache.get(classes.MemorySession);
	if (!Session) {
		Session = defineSession(classes);
		classCache.set(classes.MemorySession, Session);
	}
	return new Session(backend, options) as GramjsBackedSession & S;
}

/**
 * Whether peers are lazy: as `options.peers` asks (refused on a backend that would load
 * everything per lookup), and by default where the backend looks peers up natively and
 * synchronously (a stored peer is then found by GramJS's synchronous lookups at once).
 */
function lazyPeers(backend: SessionBackend, options: GramjsSessionOptions): boolean {
	const size = options.peerCacheSize;
	if (size !== undefined && (!Number.isSafeInteger(size) || size < 1))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`peerCacheSize must be a positive integer, got ${String(size)}`,
			{ backend: ADAPTER },
		);
	if (options.peers === undefined) return lazyByDefault(backend);
	if (options.peers === "resident") return false;
	if (options.peers !== "lazy")
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`peers must be "resident" or "lazy", got ${String(options.peers)}`,
			{ backend: ADAPTER },
		);
	if (!backend.capabilities.nativeLookups)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`peers: "lazy" needs a backend that looks peers up natively (capabilities.nativeLookups); ${backend.name} reads the whole session per lookup: leave peers resident`,
			{ backend: ADAPTER },
		);
	return true;
}

/** The backend answers lookups natively and synchronously (SQLite, libSQL local files). */
function lazyByDefault(backend: SessionBackend): boolean {
	return (
		backend.capabilities.nativeLookups &&
		typeof backend.getPeerNow === "function" &&
		typeof backend.findPeerByUsernameNow === "function" &&
		typeof backend.findPeerByPhoneNow === "function"
	);
}

function defineSession(classes: GramjsClasses) {
	const Base = classes.MemorySession as unknown as new () => MemorySessionShape;
	const AuthKey = classes.AuthKey;
	const baseAuthKey = accessor(Base.prototype, "authKey");

	class BackedSession extends Base {
		readonly backend: SessionBackend;
		readonly #options: GramjsSessionOptions;
		#loaded = false;
		/** Keys of DCs other than the home one (teleproto keeps them; telegram asks for them). */
		readonly #dcKeys = new Map<number, AuthKeyLike>();
		/** Addresses of known DCs, from the store, for entries other than the home one. */
		readonly #dcAddresses = new Map<number, string>();
		readonly #entities = new EntityIndex();
		readonly #pending = new PendingWrites();
		readonly #writer: WriteBehind;
		#lastError: unknown;
		/** Peers are read per lookup into a bounded cache instead of all at `load()`. */
		readonly #lazy: boolean;
		readonly #cacheSize: number;
		/** Backend lookups under way for cache misses, by what was looked up. */
		readonly #fetching = new Set<string>();
		#writing = false;

		constructor(backend: SessionBackend, options: GramjsSessionOptions) {
			super();
			this.backend = backend;
			this.#options = options;
			this.#lazy = lazyPeers(backend, options);
			this.#cacheSize = options.peerCacheSize ?? DEFAULT_PEER_CACHE;
			this.#writer = new WriteBehind(() => this.#write(), options.flushDelayMs);
		}

		get cachedEntities(): number {
			return this.#entities.size;
		}

		get lastError(): unknown {
			return this.#lastError;
		}

		/**
		 * What `util.inspect` and `JSON.stringify` show: where the session points and which DCs
		 * have keys, never the keys (GramJS keeps the home key in a plain `_authKey` field).
		 */
		toJSON(): Record<string, unknown> {
			return {
				dcId: this.dcId,
				serverAddress: this.serverAddress,
				port: this.port,
				authKey: this.#getKey() ? "[redacted]" : null,
				dcsWithKeys: [...this.#dcKeys.keys()].sort((a, b) => a - b),
				backend: this.backend.name,
			};
		}

		[INSPECT](
			_depth: number,
			options: object,
			inspect?: (value: unknown, options: object) => string,
		): string {
			const summary = this.toJSON();
			return `GramjsBackedSession ${inspect ? inspect(summary, options) : JSON.stringify(summary)}`;
		}

		/**
		 * Reads the session once (without its peers when lazy); later calls keep what is in memory
		 * (it is newer).
		 */
		async load(): Promise<void> {
			if (this.#loaded) return;
			const stored = await this.backend.load(this.#lazy ? { peers: false } : undefined);
			this.#loaded = true;
			if (stored) await this.#adopt(stored);
			if (!this.#pending.isEmpty) this.#schedule();
		}

		/** Takes the stored session into memory, under what was changed before `load()`. */
		async #adopt(stored: PersistedSession): Promise<void> {
			const home = homeEntry(stored.dcs, stored.homeDcId);
			for (const dc of stored.dcs) {
				if (isServiceDc(dc)) continue;
				if (!this.#dcAddresses.has(dc.dcId) || dc.authKey) this.#dcAddresses.set(dc.dcId, dc.addr);
				if (!dc.authKey || dc === home) continue;
				this.#dcKeys.set(dc.dcId, await authKeyOf(AuthKey, dc.authKey));
			}
			if (home) {
				const parsed = parseDcAddress(home.addr);
				super.setDC(home.dcId, parsed?.ip ?? home.addr, parsed?.port ?? 443);
				if (home.authKey) this.#setKey(await authKeyOf(AuthKey, home.authKey));
			}
			for (const peer of stored.peers) this.#adoptPeer(peer);
			// and their usernames, phones and names win over any stored peer that had them
			this.#entities.reclaim(this.#pending.rows);
		}

		/** Takes a stored peer into the entity rows, unless a newer row of it is there. */
		#adoptPeer(peer: CachedPeer): void {
			const meta = peer.meta;
			if (meta?.isMin) return; // GramJS never addresses a peer by a min hash
			const row = rowOfPeer(peer);
			if (!row) return;
			// a row processEntities gave before is newer than the stored one; rewriting a peer a
			// GramJS row cannot say in full would change it: it is never left unwritten
			const exact = !!meta && meta.usernames.length <= 1 && meta.name !== "" && meta.data === null;
			this.#entities.adoptStored(row, exact);
		}

		/**
		 * A lazy session's cache missed: asks the backend synchronously where it can answer now
		 * and caches what it finds (true: the cache has the peer now). Otherwise looks `what` up
		 * in the background and caches it for the next lookup (this one goes on as GramJS goes on).
		 */
		#fetch(
			what: string,
			now: (() => CachedPeer | null | undefined) | undefined,
			lookup: () => Promise<CachedPeer | null>,
		): boolean {
			if (!this.#lazy || !this.#loaded) return false;
			let found: CachedPeer | null | undefined;
			try {
				found = now?.();
			} catch {
				found = undefined; // asked again in the background, whose failure is ignored too
			}
			if (found === null) return false; // not stored
			if (found !== undefined) {
				this.#cache(found);
				return true;
			}
			this.#fetchLater(what, lookup);
			return false;
		}

		/** Takes a peer found in the backend into the bounded cache. */
		#cache(peer: CachedPeer): void {
			this.#adoptPeer(peer);
			// rows not written yet keep the usernames and phones they took from stored peers
			this.#entities.reclaim(this.#pending.rows);
			this.#trim();
		}

		#fetchLater(what: string, lookup: () => Promise<CachedPeer | null>): void {
			if (this.#fetching.has(what) || this.#fetching.size >= MAX_FETCHES) return;
			this.#fetching.add(what);
			lookup()
				.then((peer) => {
					if (peer) this.#cache(peer);
				})
				.catch(() => undefined) // GramJS's own fallback already answered this call
				.finally(() => this.#fetching.delete(what));
		}

		/**
		 * Keeps a lazy session's cache bounded (rows not written yet stay). An eighth more than the
		 * excess goes at once: misses past a full cache then trim once per so many, not each.
		 */
		#trim(): void {
			const max = this.#cacheSize;
			if (!this.#lazy || this.#writing || this.#entities.size <= max) return;
			const keep = new Set(this.#pending.rows.map((row) => row[0]));
			this.#entities.trim(max - Math.floor(max / 8), keep);
		}

		override setDC(dcId: number, serverAddress: string, port: number): void {
			const previous = this.dcId;
			const current = this.#getKey();
			super.setDC(dcId, serverAddress, port);
			// teleproto's setDC swaps keys through its own map; the adapter keeps them itself
			const ownMap = (this as { _dcAuthKeys?: unknown })._dcAuthKeys;
			if (ownMap instanceof Map) ownMap.clear();
			if (previous && previous !== dcId) {
				// the old home key stays with its DC; the new DC's key (if any) becomes current
				if (current) this.#dcKeys.set(previous, current);
				const next = this.#dcKeys.get(dcId);
				this.#dcKeys.delete(dcId);
				this.#setKey(next);
				this.#pending.dcs.add(previous);
			}
			this.#pending.home = true;
			this.#pending.dcs.add(dcId);
			this.#schedule();
		}

		override get authKey(): AuthKeyLike | undefined {
			return this.#getKey();
		}

		override set authKey(value: AuthKeyLike | undefined) {
			this.#setKey(value);
			if (this.dcId) this.#pending.dcs.add(this.dcId);
			this.#schedule();
		}

		getAuthKey(dcId?: number): AuthKeyLike | undefined {
			if (!dcId || dcId === this.dcId) return this.#getKey();
			return this.#dcKeys.get(dcId);
		}

		setAuthKey(authKey?: AuthKeyLike, dcId?: number): undefined {
			if (!dcId || dcId === this.dcId) {
				this.authKey = authKey;
				return undefined;
			}
			if (authKey) this.#dcKeys.set(dcId, authKey);
			else this.#dcKeys.delete(dcId);
			this.#pending.dcs.add(dcId);
			this.#schedule();
			return undefined;
		}

		/** Called by GramJS after every request and update: it must never throw. */
		processEntities(tlo: unknown): void {
			try {
				const rows = this._entitiesToRows(tlo);
				const pending = this.#pending;
				let queued = false;
				for (let i = 0; i < rows.length; i++) {
					const row = rows[i] as EntityRow;
					// typed peers are built when written (off the client's synchronous path); GramJS's
					// own rows are fresh five-element arrays with a string id and are kept as they are
					const entry: EntityRow =
						typeof row[0] === "string" && row.length === 5
							? row
							: [String(row[0]), row[1], row[2], row[3], row[4]];
					const taken = this.#entities.take(entry);
					if (taken === "unchanged") continue;
					if (taken === "replaced") pending.stale++;
					pending.rows.push(entry);
					queued = true;
				}
				if (queued) {
					pending.compactIfWorthIt((row) => this.#entities.isCurrent(row));
					this.#schedule();
				}
			} catch (error) {
				reportWriteFailure(this.#options.onError, error);
			}
		}

		getEntityRowsByPhone(phone: string): [string, string] | undefined {
			const found = this.#entities.byPhone(phone);
			if (found) return found;
			const backend = this.backend;
			const text = String(phone);
			const now = backend.findPeerByPhoneNow && (() => backend.findPeerByPhoneNow?.(text));
			return this.#fetch(`+${phone}`, now, () => backend.findPeerByPhone(text))
				? this.#entities.byPhone(phone)
				: undefined;
		}

		getEntityRowsByUsername(username: string): [string, string] | undefined {
			const found = this.#entities.byUsername(username);
			if (found) return found;
			const backend = this.backend;
			const text = String(username);
			const now = backend.findPeerByUsernameNow && (() => backend.findPeerByUsernameNow?.(text));
			return this.#fetch(`@${username}`, now, () => backend.findPeerByUsername(text))
				? this.#entities.byUsername(username)
				: undefined;
		}

		getEntityRowsByName(name: string): [string, string] | undefined {
			return this.#entities.byName(name);
		}

		/** By marked id; with `exact: false` a bare id matches a user, chat or channel (in that order). */
		getEntityRowsById(id: unknown, exact = true): [string, string] | undefined {
			const text = String(id);
			const candidates = exact || text.startsWith("-") ? [text] : [text, `-${text}`, `-100${text}`];
			for (const marked of candidates) {
				const found = this.#entities.byId(marked);
				if (found) return found;
			}
			const backend = this.backend;
			for (const marked of candidates) {
				const peer = peerOfMarkedId(marked);
				if (!peer) continue;
				const now = backend.getPeerNow && (() => backend.getPeerNow?.(peer.kind, peer.id));
				if (this.#fetch(marked, now, () => backend.getPeer(peer.kind, peer.id))) {
					const found = this.#entities.byId(marked);
					if (found) return found;
				}
			}
			return undefined;
		}

		/** GramJS leaves this Promise floating: it never rejects (failures go to `onError`). */
		save(): Promise<void> {
			return this.flush().catch(() => undefined);
		}

		flush(): Promise<void> {
			return this.#writer.flush();
		}

		async close(): Promise<void> {
			await this.flush();
			if (this.#options.closeBackend !== false) await this.backend.close();
		}

		/** teleproto's `logOut` awaits this: the session is deleted in the backend too. */
		async delete(): Promise<void> {
			await this.#writer.stop();
			this.#pending.clear();
			this.#entities.clear();
			this.#dcKeys.clear();
			this.#setKey(undefined);
			await this.backend.delete();
		}

		#getKey(): AuthKeyLike | undefined {
			return baseAuthKey.get?.call(this) as AuthKeyLike | undefined;
		}

		#setKey(value: AuthKeyLike | undefined): void {
			baseAuthKey.set?.call(this, value);
		}

		#schedule(): void {
			if (this.#loaded) this.#writer.schedule();
		}

		/** Writes what is dirty; on failure puts it back (newer changes win) and reports. */
		async #write(): Promise<void> {
			// index what the client's calls only recorded, off their synchronous path
			this.#entities.settle();
			const batch = this.#pending.take();
			this.#writing = true;
			try {
				for (const dcId of batch.dcs) {
					const entry = this.#dcEntry(dcId);
					if (entry) await this.backend.updateDc(entry);
				}
				if (batch.home && this.dcId) await this.backend.setHomeDc(this.dcId);
				if (batch.rows.length > 0) {
					const now = Date.now();
					const typed: CachedPeer[] = [];
					for (let i = 0; i < batch.rows.length; i++) {
						const row = batch.rows[i] as EntityRow;
						// a newer row of the peer came later (none can have when nothing was replaced)
						if (batch.stale > 0 && !this.#entities.isCurrent(row)) continue;
						const peer = peerOfRow(row, now);
						if (peer) typed.push(peer);
					}
					if (typed.length > 0) await this.backend.cachePeers(typed);
				}
				this.#lastError = undefined;
			} catch (error) {
				this.#pending.putBack(batch);
				this.#lastError = error;
				reportWriteFailure(this.#options.onError, error);
				throw error;
			} finally {
				this.#writing = false;
			}
			this.#trim(); // what was written is in the backend: a lazy cache may let it go
		}

		/** The DC entry to store for `dcId`: its address and its key as they are now. */
		#dcEntry(dcId: number) {
			const isHome = dcId === this.dcId;
			const addr = isHome
				? this.serverAddress && formatDcAddress(this.serverAddress, this.port ?? 443)
				: (this.#dcAddresses.get(dcId) ?? defaultDcAddress(dcId));
			if (!addr) return undefined;
			if (isHome) this.#dcAddresses.set(dcId, addr);
			// the key object may have been filled after it was set (teleproto): read it now
			return dcEntryOf(dcId, addr, (isHome ? this.#getKey() : this.#dcKeys.get(dcId))?.getKey());
		}
	}
	return BackedSession;
}
