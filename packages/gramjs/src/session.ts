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
import { type EntityRow, markedIdOf, peerOfRow, rowOfPeer } from "./peers.js";

const ADAPTER = "gramjs";
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
		readonly #rows = new Map<string, EntityRow>();
		readonly #byUsername = new Map<string, string>();
		readonly #byPhone = new Map<string, string>();
		readonly #byName = new Map<string, string>();
		#homeDirty = false;
		readonly #dcDirty = new Set<number>();
		#peersDirty = new Map<string, EntityRow>();
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
			if (this.#homeDirty || this.#dcDirty.size > 0 || this.#peersDirty.size > 0) this.#schedule();
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
				if (peer.meta?.isMin) continue; // GramJS never addresses a peer by a min hash
				const row = rowOfPeer(peer);
				// a row processEntities gave before load() is newer than the stored one
				if (row && !this.#peersDirty.has(row[0])) this.#index(row);
			}
			// and their usernames, phones and names win over any stored peer that had them
			for (const row of this.#peersDirty.values()) this.#index(row);
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
				for (const raw of this._entitiesToRows(tlo)) {
					const row = raw as EntityRow;
					// typed peers are built when written (off the client's synchronous path); GramJS's
					// own rows are fresh five-element arrays with a string id and are kept as they are
					const entry: EntityRow =
						typeof row[0] === "string" && row.length === 5
							? row
							: [String(row[0]), row[1], row[2], row[3], row[4]];
					const marked = entry[0];
					this.#index(entry);
					this.#peersDirty.set(marked, entry);
				}
				this.#schedule();
			} catch (error) {
				this.#report(error);
			}
		}

		getEntityRowsByPhone(phone: string): [string, string] | undefined {
			return this.#pair(this.#byPhone.get(normalizePhone(String(phone))));
		}

		getEntityRowsByUsername(username: string): [string, string] | undefined {
			return this.#pair(this.#byUsername.get(String(username).toLowerCase()));
		}

		getEntityRowsByName(name: string): [string, string] | undefined {
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
			this.#peersDirty.clear();
			this.#rows.clear();
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

		/** Puts a row in the indexes; a username, phone or name another row had moves to this one. */
		#index(row: EntityRow): void {
			const marked = row[0];
			const old = this.#rows.get(marked);
			if (old) {
				if (old[2] && this.#byUsername.get(old[2]) === marked) this.#byUsername.delete(old[2]);
				const phone = old[3] && normalizePhone(old[3]);
				if (phone && this.#byPhone.get(phone) === marked) this.#byPhone.delete(phone);
				if (old[4] && this.#byName.get(old[4]) === marked) this.#byName.delete(old[4]);
			}
			this.#rows.set(marked, row);
			if (row[2]) this.#byUsername.set(row[2], marked);
			if (row[3]) this.#byPhone.set(normalizePhone(row[3]), marked);
			if (row[4]) this.#byName.set(row[4], marked);
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
			const peers = this.#peersDirty;
			this.#homeDirty = false;
			this.#dcDirty.clear();
			this.#peersDirty = new Map();
			try {
				for (const dcId of dcs) {
					const entry = this.#dcEntry(dcId);
					if (entry) await this.backend.updateDc(entry);
				}
				if (home && this.dcId) await this.backend.setHomeDc(this.dcId);
				if (peers.size > 0) {
					const now = Date.now();
					const typed: CachedPeer[] = [];
					for (const row of peers.values()) {
						const peer = peerOfRow(row, now);
						if (peer) typed.push(peer);
					}
					await this.backend.cachePeers(typed);
				}
				this.#lastError = undefined;
			} catch (error) {
				this.#homeDirty ||= home;
				for (const dcId of dcs) this.#dcDirty.add(dcId);
				for (const [marked, peer] of peers)
					if (!this.#peersDirty.has(marked)) this.#peersDirty.set(marked, peer);
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
