import {
	type CachedPeer,
	type DcEntry,
	DcFlags,
	defaultDcAddress,
	formatDcAddress,
	normalizePhone,
	type PersistedSession,
	parseDcAddress,
	SecretBytes,
	type SessionBackend,
	SessionBackendError,
} from "@x/session-core";
import { type EntityRow, hashOf, markedIdOf, peerOfRow, phoneKey, rowOfPeer } from "./peers.js";

const ADAPTER = "gramjs";
/** How many rows in the queue may be stale before it is compacted (the flush skips the rest). */
const COMPACT_MIN = 4096;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** The parts of GramJS's `AuthKey` the adapter uses. */
export interface AuthKeyLike {
	getKey(): Buffer | undefined;
	setKey(value?: Buffer): Promise<void>;
}

/** What the adapter needs of GramJS's `MemorySession` (runtime members; see its `.d.ts`). */
interface MemorySessionShape {
	setDC(dcId: number, serverAddress: string, port: number): void;
	readonly dcId: number;
	readonly serverAddress: string | undefined;
	readonly port: number | undefined;
	authKey: AuthKeyLike | undefined;
	_entitiesToRows(tlo: unknown): unknown[][];
}

/**
 * The classes of the user's own `telegram` (or `teleproto`) install. GramJS accepts a session
 * only when it is `instanceof` that copy's `Session`, so the adapter extends the `MemorySession`
 * it is given instead of importing one of its own.
 */
export interface GramjsClasses {
	// biome-ignore lint/suspicious/noExplicitAny: the user's class, typed by their telegram copy
	MemorySession: abstract new () => any;
	AuthKey: new () => AuthKeyLike;
}

/** Options of the GramJS / teleproto session adapters. */
export interface GramjsSessionOptions {
	/** Delay before dirty data is written, coalescing bursts (default 1000 ms; 0 = next tick). */
	flushDelayMs?: number;
	/**
	 * Called when a write-behind flush fails (the data stays queued and is retried). Without it
	 * the failure is logged as one line on stderr. `flush()` and `close()` reject instead.
	 */
	onError?: (error: unknown) => void;
	/** Close the backend in `close()` (default `true`). */
	closeBackend?: boolean;
}

/** The session object handed to `new TelegramClient(session, …)`, plus the adapter's own methods. */
export interface GramjsBackedSession {
	/** Writes everything pending; rejects when the backend fails (the data stays queued). */
	flush(): Promise<void>;
	/** Flushes, then closes the backend (unless `closeBackend: false`). Rejects when the flush fails. */
	close(): Promise<void>;
	/** The backend this session writes to. */
	readonly backend: SessionBackend;
	/** The last write-behind failure, if the last attempt failed. */
	readonly lastError: unknown;
}

const classCache = new WeakMap<
	object,
	new (
		b: SessionBackend,
		o: GramjsSessionOptions,
	) => unknown
>();

/**
 * A GramJS session kept in `backend`: everything is read into memory by `load()` (GramJS's getters
 * and lookups are synchronous), changes apply in memory at once and are written behind with the
 * backend's granular methods. Pass the classes of your own `telegram` install:
 *
 * ```ts
 * import { MemorySession } from "telegram/sessions/index.js";
 * import { AuthKey } from "telegram/crypto/AuthKey.js";
 * const session = gramjsSession({ MemorySession, AuthKey }, await FileSessionBackend.open({ path }));
 * const client = new TelegramClient(session, apiId, apiHash, {});
 * ```
 */
export function gramjsSession<T = unknown>(
	classes: GramjsClasses,
	backend: SessionBackend,
	options: GramjsSessionOptions = {},
): T & GramjsBackedSession {
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
	return new Session(backend, options) as T & GramjsBackedSession;
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
		/** The current row per marked id. */
		readonly #rows = new Map<string, EntityRow>();
		/** Username, phone (digits) and display name → the marked id of the row that has it. */
		readonly #byUsername = new Map<string, string>();
		readonly #byPhone = new Map<string, string>();
		readonly #byName = new Map<string, string>();
		/**
		 * New rows not yet in the three indexes above: the client's synchronous call only records
		 * them, and they are indexed, in order, before the next lookup by username, phone or name,
		 * before a row that replaces one, and in the write-behind flush.
		 */
		#unindexed: EntityRow[] = [];
		/** Stored peers a GramJS row cannot say in full (more usernames, extra data): never "unchanged". */
		readonly #inexact = new Set<string>();
		#homeDirty = false;
		readonly #dcDirty = new Set<number>();
		/**
		 * Rows to write, in the order they came. A row that is no longer the current one of its peer
		 * is stale and skipped, so the last value per peer wins, at its last position (the claims of
		 * usernames and phones then follow the order GramJS saw them in).
		 */
		#queue: EntityRow[] = [];
		/** Rows in the queue that may have been replaced since (an upper bound). */
		#stale = 0;
		#timer: ReturnType<typeof setTimeout> | undefined;
		#chain: Promise<void> = Promise.resolve();
		#lastError: unknown;

		constructor(backend: SessionBackend, options: GramjsSessionOptions) {
			super();
			this.backend = backend;
			this.#options = options;
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

		/** Reads the whole session once; later calls keep what is in memory (it is newer). */
		async load(): Promise<void> {
			if (this.#loaded) return;
			const stored = await this.backend.load();
			this.#loaded = true;
			if (stored) await this.#adopt(stored);
			if (this.#homeDirty || this.#dcDirty.size > 0 || this.#queue.length > 0) this.#schedule();
		}

		/** Takes the stored session into memory, under what was changed before `load()`. */
		async #adopt(stored: PersistedSession): Promise<void> {
			const home = homeEntry(stored.dcs, stored.homeDcId);
			for (const dc of stored.dcs) {
				if (dc.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)) continue;
				if (!this.#dcAddresses.has(dc.dcId) || dc.authKey) this.#dcAddresses.set(dc.dcId, dc.addr);
				if (!dc.authKey || dc === home) continue;
				this.#dcKeys.set(dc.dcId, await authKeyOf(AuthKey, dc.authKey));
			}
			if (home) {
				const parsed = parseDcAddress(home.addr);
				super.setDC(home.dcId, parsed?.ip ?? home.addr, parsed?.port ?? 443);
				if (home.authKey) this.#setKey(await authKeyOf(AuthKey, home.authKey));
			}
			for (const peer of stored.peers) {
				const meta = peer.meta;
				if (meta?.isMin) continue; // GramJS never addresses a peer by a min hash
				const row = rowOfPeer(peer);
				// a row processEntities gave before load() is newer than the stored one
				if (!row || this.#rows.has(row[0])) continue;
				this.#rows.set(row[0], row);
				this.#claim(row, phoneKey(row[3]));
				// rewriting such a peer from a GramJS row would change it: it is never left unwritten
				if (!meta || meta.usernames.length > 1 || meta.name === "" || meta.data !== null)
					this.#inexact.add(row[0]);
			}
			// and their usernames, phones and names win over any stored peer that had them
			this.#unindexed = [];
			for (const row of this.#queue)
				if (this.#rows.get(row[0]) === row) this.#claim(row, phoneKey(row[3]));
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
				this.#dcDirty.add(previous);
			}
			this.#homeDirty = true;
			this.#dcDirty.add(dcId);
			this.#schedule();
		}

		override get authKey(): AuthKeyLike | undefined {
			return this.#getKey();
		}

		override set authKey(value: AuthKeyLike | undefined) {
			this.#setKey(value);
			if (this.dcId) this.#dcDirty.add(this.dcId);
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
			this.#dcDirty.add(dcId);
			this.#schedule();
			return undefined;
		}

		/** Called by GramJS after every request and update: it must never throw. */
		processEntities(tlo: unknown): void {
			try {
				const rows = this._entitiesToRows(tlo);
				let queued = false;
				for (let i = 0; i < rows.length; i++) {
					const row = rows[i] as EntityRow;
					// typed peers are built when written (off the client's synchronous path); GramJS's
					// own rows are fresh five-element arrays with a string id and are kept as they are
					const entry: EntityRow =
						typeof row[0] === "string" && row.length === 5
							? row
							: [String(row[0]), row[1], row[2], row[3], row[4]];
					if (this.#take(entry)) queued = true;
				}
				if (queued) {
					if (this.#stale > COMPACT_MIN && this.#stale * 2 > this.#queue.length) this.#compact();
					this.#schedule();
				}
			} catch (error) {
				this.#report(error);
			}
		}

		getEntityRowsByPhone(phone: string): [string, string] | undefined {
			if (this.#unindexed.length > 0) this.#settle();
			return this.#pair(this.#byPhone.get(normalizePhone(String(phone))));
		}

		getEntityRowsByUsername(username: string): [string, string] | undefined {
			if (this.#unindexed.length > 0) this.#settle();
			return this.#pair(this.#byUsername.get(String(username).toLowerCase()));
		}

		getEntityRowsByName(name: string): [string, string] | undefined {
			if (this.#unindexed.length > 0) this.#settle();
			return this.#pair(this.#byName.get(String(name)));
		}

		/** By marked id; with `exact: false` a bare id matches a user, chat or channel (in that order). */
		getEntityRowsById(id: unknown, exact = true): [string, string] | undefined {
			const text = String(id);
			if (exact || text.startsWith("-")) return this.#pair(text);
			for (const marked of [text, `-${text}`, `-100${text}`]) {
				const found = this.#pair(marked);
				if (found) return found;
			}
			return undefined;
		}

		/** GramJS leaves this Promise floating: it never rejects (failures go to `onError`). */
		save(): Promise<void> {
			return this.flush().catch(() => undefined);
		}

		flush(): Promise<void> {
			if (this.#timer) clearTimeout(this.#timer);
			this.#timer = undefined;
			const run = this.#chain.catch(() => undefined).then(() => this.#write());
			this.#chain = run;
			return run;
		}

		async close(): Promise<void> {
			await this.flush();
			if (this.#options.closeBackend !== false) await this.backend.close();
		}

		/** teleproto's `logOut` awaits this: the session is deleted in the backend too. */
		async delete(): Promise<void> {
			if (this.#timer) clearTimeout(this.#timer);
			this.#timer = undefined;
			await this.#chain.catch(() => undefined);
			this.#homeDirty = false;
			this.#dcDirty.clear();
			this.#queue = [];
			this.#stale = 0;
			this.#unindexed = [];
			this.#rows.clear();
			this.#inexact.clear();
			this.#byUsername.clear();
			this.#byPhone.clear();
			this.#byName.clear();
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

		#pair(marked: string | undefined): [string, string] | undefined {
			const row = marked === undefined ? undefined : this.#rows.get(marked);
			return row && [row[0], String(row[1])];
		}

		/**
		 * Takes a row GramJS made: a new or changed one becomes current, is indexed and queued; one
		 * equal to the current row (same hash, username, phone and name, still owning its username
		 * and phone) changes nothing and is not written again. Returns whether it was queued.
		 */
		#take(row: EntityRow): boolean {
			const marked = row[0];
			const old = this.#rows.get(marked);
			if (old === undefined) {
				// the common case of a burst of new entities: indexed later, in order
				this.#rows.set(marked, row);
				this.#unindexed.push(row);
				this.#queue.push(row);
				return true;
			}
			if (this.#unindexed.length > 0) this.#settle();
			const phone = phoneKey(row[3]);
			if (this.#unchanged(old, row, phone)) {
				// as if indexed again: the name is this row's once more
				const name = row[4];
				if (name && this.#byName.get(name) !== marked) this.#byName.set(name, marked);
				return false;
			}
			this.#unindex(old);
			if (this.#inexact.size > 0) this.#inexact.delete(marked);
			this.#stale++;
			this.#rows.set(marked, row);
			this.#claim(row, phone);
			this.#queue.push(row);
			return true;
		}

		/** `row` would store what `old` stored, and `old` still owns its username and phone. */
		#unchanged(old: EntityRow, row: EntityRow, phone: string | undefined): boolean {
			const marked = old[0];
			const username = row[2] || undefined;
			if ((old[2] || undefined) !== username || (old[4] || undefined) !== (row[4] || undefined))
				return false;
			if (old[3] !== row[3] && phoneKey(old[3]) !== phone) return false;
			if (hashOf(old[1]) !== hashOf(row[1])) return false;
			if (this.#inexact.size > 0 && this.#inexact.has(marked)) return false;
			// a username or phone another peer took since is the backend's too: claim it back
			if (username !== undefined && this.#byUsername.get(username) !== marked) return false;
			return phone === undefined || this.#byPhone.get(phone) === marked;
		}

		/** Points the row's username, phone and name at it (a later row with one takes it over). */
		#claim(row: EntityRow, phone: string | undefined): void {
			const marked = row[0];
			if (row[2]) this.#byUsername.set(row[2], marked);
			if (phone !== undefined) this.#byPhone.set(phone, marked);
			if (row[4]) this.#byName.set(row[4], marked);
		}

		/** Drops the indexes that still point at a row being replaced. */
		#unindex(old: EntityRow): void {
			const marked = old[0];
			if (old[2] && this.#byUsername.get(old[2]) === marked) this.#byUsername.delete(old[2]);
			const phone = phoneKey(old[3]);
			if (phone !== undefined && this.#byPhone.get(phone) === marked) this.#byPhone.delete(phone);
			if (old[4] && this.#byName.get(old[4]) === marked) this.#byName.delete(old[4]);
		}

		/** Indexes the rows that came since the last time, in the order they came. */
		#settle(): void {
			const pending = this.#unindexed;
			this.#unindexed = [];
			// all of them are current: a row replacing one settles the indexes first
			for (let i = 0; i < pending.length; i++) {
				const row = pending[i] as EntityRow;
				this.#claim(row, phoneKey(row[3]));
			}
		}

		/** Drops stale rows from the queue once at least half of it may be stale. */
		#compact(): void {
			const rows = this.#rows;
			this.#queue = this.#queue.filter((row) => rows.get(row[0]) === row);
			this.#stale = 0;
		}

		#schedule(): void {
			if (this.#timer || !this.#loaded) return;
			this.#timer = setTimeout(() => {
				this.#timer = undefined;
				this.flush().catch(() => undefined);
			}, this.#options.flushDelayMs ?? 1000);
			this.#timer.unref?.();
		}

		/** Writes what is dirty; on failure puts it back (newer changes win) and reports. */
		async #write(): Promise<void> {
			const home = this.#homeDirty;
			const dcs = [...this.#dcDirty];
			// index what the client's calls only recorded, off their synchronous path
			if (this.#unindexed.length > 0) this.#settle();
			const queue = this.#queue;
			const stale = this.#stale;
			this.#homeDirty = false;
			this.#dcDirty.clear();
			this.#queue = [];
			this.#stale = 0;
			try {
				for (const dcId of dcs) {
					const entry = this.#dcEntry(dcId);
					if (entry) await this.backend.updateDc(entry);
				}
				if (home && this.dcId) await this.backend.setHomeDc(this.dcId);
				if (queue.length > 0) {
					const now = Date.now();
					const rows = this.#rows;
					const typed: CachedPeer[] = [];
					for (let i = 0; i < queue.length; i++) {
						const row = queue[i] as EntityRow;
						// a newer row of the peer came later (none can have when nothing was replaced)
						if (stale > 0 && rows.get(row[0]) !== row) continue;
						const peer = peerOfRow(row, now);
						if (peer) typed.push(peer);
					}
					if (typed.length > 0) await this.backend.cachePeers(typed);
				}
				this.#lastError = undefined;
			} catch (error) {
				this.#homeDirty ||= home;
				for (const dcId of dcs) this.#dcDirty.add(dcId);
				// queued again ahead of what came since; rows replaced meanwhile are stale and skipped
				if (queue.length > 0) {
					this.#queue = queue.concat(this.#queue);
					this.#stale += stale;
				}
				this.#lastError = error;
				this.#report(error);
				throw error;
			}
		}

		/** The DC entry to store for `dcId`: its address and its key as they are now. */
		#dcEntry(dcId: number): DcEntry | undefined {
			const isHome = dcId === this.dcId;
			const addr = isHome
				? this.serverAddress && formatDcAddress(this.serverAddress, this.port ?? 443)
				: (this.#dcAddresses.get(dcId) ?? defaultDcAddress(dcId));
			if (!addr) return undefined;
			// the key object may have been filled after it was set (teleproto): read it now
			const key = (isHome ? this.#getKey() : this.#dcKeys.get(dcId))?.getKey();
			if (isHome) this.#dcAddresses.set(dcId, addr);
			return {
				dcId,
				addr,
				authKey: key && key.length === 256 ? new SecretBytes(new Uint8Array(key)) : null,
				firstSalt: 0n,
				timeOffset: 0,
				flags: addr.startsWith("[") ? DcFlags.IPV6 : DcFlags.NONE,
			};
		}

		#report(error: unknown): void {
			if (this.#options.onError) {
				try {
					this.#options.onError(error);
				} catch {
					// a throwing handler must not turn a floating Promise into a crash
				}
				return;
			}
			const message = error instanceof Error ? error.message : String(error);
			console.error(`[x-session] [gramjs] write-behind failed (will retry): ${message}`);
		}
	}
	return BackedSession;
}

/** The `authKey` accessor of GramJS's `MemorySession` (its subclass overrides it). */
function accessor(proto: object, name: string): PropertyDescriptor {
	for (let p: object | null = proto; p; p = Object.getPrototypeOf(p)) {
		const found = Object.getOwnPropertyDescriptor(p, name);
		if (found?.get && found.set) return found;
	}
	throw new SessionBackendError("INVALID_ARGUMENT", `MemorySession has no ${name} accessor`, {
		backend: ADAPTER,
	});
}

/** The home DC's entry: not media-only or CDN, one with a key first. */
function homeEntry(dcs: readonly DcEntry[], homeDcId: number): DcEntry | undefined {
	const candidates = dcs.filter(
		(d) => d.dcId === homeDcId && !(d.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)),
	);
	return candidates.find((d) => d.authKey) ?? candidates[0];
}

async function authKeyOf(AuthKey: new () => AuthKeyLike, key: SecretBytes): Promise<AuthKeyLike> {
	const out = new AuthKey();
	await out.setKey(Buffer.from(key.expose()));
	return out;
}

export { markedIdOf };
