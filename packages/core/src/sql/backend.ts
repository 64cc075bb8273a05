import { type BackendCapabilities, BaseSessionBackend, preparePeers } from "../backend.js";
import {
	changesAreEmpty,
	checkDc,
	checkedStateChange,
	checkHomeDc,
	type PreparedChanges,
	prepareChanges,
} from "../changes.js";
import { check } from "../codec/bytes.js";
import { type LockHolder, SessionBackendError, SessionLockedError } from "../errors.js";
import {
	checkExtensionKey,
	extensionValue,
	normalizePhone,
	normalizeUsername,
} from "../extensions.js";
import { normalizeSession } from "../normalize.js";
import { mergePeer, peerKey } from "../peers.js";
import { SecretBytes } from "../secret.js";
import { cloneSession } from "../session.js";
import type {
	CachedPeer,
	DcEntry,
	PeerKind,
	PersistedSession,
	SessionChanges,
	UpdateStateChange,
} from "../types.js";
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from "./driver.js";
import {
	type Dialect,
	insertExtensions,
	lookupSql,
	lookups,
	type PeerLookup,
	peerWithMetaFromRow,
	peerWithMetaFromValues,
	readExtensions,
	readPeerMeta,
	UPSERT_EXTENSION,
	writePeerMeta,
} from "./extensions.js";
import { type MigrationResult, migrate, readSchema, type SchemaState } from "./migrate.js";
import {
	CHANNEL_KINDS,
	dcFromRow,
	dcParams,
	minPeerFromRow,
	PEER_KINDS,
	peerFromRow,
	peerParams,
	RowReader,
} from "./rows.js";
import { DATA_TABLES } from "./schema.js";
import { rowsSql } from "./util.js";

/** Options every SQL backend (SQLite, libSQL, PostgreSQL) accepts on top of its connection options. */
export interface SqlSessionOptions {
	/** The account this instance reads and writes (default `"default"`). */
	sessionId?: string;
	/** Take a single-writer lease on the session (default `true`). */
	lock?: boolean;
	/** Lease lifetime; renewed every third of it while open (default 30 000 ms). */
	leaseTtlMs?: number;
	/** How long `open` retries a held lease (default 0: reject at once). */
	lockWaitMs?: number;
	/**
	 * Coalesce update-state floods: `applyUpdateState` (primary, secondary, channel) changes are
	 * kept in memory and written together at most once per this many ms; any other call, `flush()`
	 * and `close()` write them first. Default 0: every call is its own transaction.
	 */
	flushInterval?: number;
	/**
	 * Open without changing anything: no migration, no schema, no lease; every write rejects
	 * `UNSUPPORTED`. A database without our tables loads `null`; a ferogram/layer database is
	 * read in memory, as it would be imported (session `"default"`), and left as it is.
	 */
	readOnly?: boolean;
	/**
	 * Import a ferogram/layer database on open: its rows become session `"default"`, its tables
	 * are dropped (after a 0600 backup copy, where the driver can make one), and the Rust client
	 * that owns the file can no longer use it. Default `false`: such a database is refused.
	 */
	migrateForeign?: boolean;
}

/** Update-state changes not written yet (coalescing). */
interface PendingState {
	primary?: { pts: number; date: number; seq: number };
	qts?: number;
	channels: Map<bigint, number>;
}

const UPSERT_DC = `INSERT INTO xs_dcs (session_id, dc_id, slot, flags, addr, auth_key, first_salt, time_offset)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id, dc_id, slot) DO UPDATE SET flags = excluded.flags, addr = excluded.addr,
		auth_key = excluded.auth_key, first_salt = excluded.first_salt, time_offset = excluded.time_offset`;
// a zero hash never replaces a known one; an unknown channel kind never replaces a known one
const UPSERT_PEER = `INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (session_id, kind, id) DO UPDATE SET
		access_hash = CASE WHEN excluded.access_hash = 0 THEN xs_peers.access_hash ELSE excluded.access_hash END,
		channel_kind = COALESCE(excluded.channel_kind, xs_peers.channel_kind)
	WHERE (excluded.access_hash <> 0 AND excluded.access_hash <> xs_peers.access_hash)
		OR (excluded.channel_kind IS NOT NULL AND excluded.channel_kind IS DISTINCT FROM xs_peers.channel_kind)`;
const [UPSERT_PEER_HEAD, UPSERT_PEER_TAIL] = UPSERT_PEER.split("(?, ?, ?, ?, ?)") as [
	string,
	string,
];
const UPSERT_CHANNEL = `INSERT INTO xs_channel_pts (session_id, channel_id, pts) VALUES (?, ?, ?)
	ON CONFLICT (session_id, channel_id) DO UPDATE SET pts = excluded.pts`;
const SET_HOME = "UPDATE xs_sessions SET home_dc_id = ? WHERE session_id = ?";
const SET_PRIMARY = "UPDATE xs_sessions SET pts = ?, date = ?, seq = ? WHERE session_id = ?";
const SET_QTS = "UPDATE xs_sessions SET qts = ? WHERE session_id = ?";
const UPSERT_MIN_PEER = `INSERT INTO xs_min_peers (session_id, user_id, peer_id, msg_id) VALUES (?, ?, ?, ?)
	ON CONFLICT (session_id, user_id) DO UPDATE SET peer_id = excluded.peer_id, msg_id = excluded.msg_id`;
const DELETE_MIN_PEER = "DELETE FROM xs_min_peers WHERE session_id = ? AND user_id = ?";
const DELETE_EXTENSION = "DELETE FROM xs_extensions WHERE session_id = ? AND key = ?";
const ENSURE_SESSION =
	"INSERT INTO xs_sessions (session_id) VALUES (?) ON CONFLICT (session_id) DO NOTHING";
const PEERS_PER_STATEMENT = 150;

/**
 * The session backend shared by the SQLite-family packages, written against {@link SqlDriver}.
 * A full save is one transaction that replaces the session's rows; granular methods are
 * single-row upserts; calls on one instance take effect in the order they were made. With
 * locking, every write first checks, inside its transaction, that this instance still holds the
 * session's lease (fencing), so a writer whose lease was taken over cannot write.
 */
export class SqlSessionBackend extends BaseSessionBackend {
	readonly name: string;
	override readonly capabilities: BackendCapabilities;
	readonly sessionId: string;
	readonly #db: SqlDriver;
	readonly #rows: RowReader;
	readonly #lookupSql: Record<PeerLookup, string>;
	readonly #owner: string | undefined;
	readonly #ttl: number;
	/** When this instance last wrote its lease's expiry (acquired on open). */
	#renewedAt = Date.now();
	#renewal: ReturnType<typeof setInterval> | undefined;
	readonly #flushInterval: number;
	#pending: PendingState | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	/** Read-only: what the database held when opened without our tables (see `readOnly`). */
	#readOnly: { foreign: PersistedSession | null | undefined } | undefined;
	/** Set when this open imported a ferogram/layer database (`migrateForeign`). */
	imported: MigrationResult["importedReference"];
	/** Set by a `readOnly` open: our tables, none (no session), or a ferogram/layer database. */
	found: SchemaState["kind"] | undefined;

	private constructor(
		db: SqlDriver,
		sessionId: string,
		owner: string | undefined,
		ttl: number,
		flushInterval: number,
	) {
		super();
		this.#flushInterval = flushInterval;
		this.#db = db;
		this.name = db.name;
		this.sessionId = sessionId;
		this.#owner = owner;
		this.#ttl = ttl;
		this.#rows = new RowReader(db.name, `${db.location}#${sessionId}`);
		this.#lookupSql = lookupSql(db.dialect ?? "sqlite");
		this.capabilities = {
			persistent: true,
			multiSession: true,
			locking: owner !== undefined,
			nativeGranular: true,
			coalescing: flushInterval > 0,
			extensions: true,
			nativeLookups: true,
		};
	}

	get #dialect(): Dialect {
		return this.#db.dialect ?? "sqlite";
	}

	/** Migrates the database if needed, takes the lease, and binds to one session id. */
	static async open(db: SqlDriver, options: SqlSessionOptions = {}): Promise<SqlSessionBackend> {
		const sessionId = options.sessionId ?? "default";
		if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 200)
			throw new SessionBackendError(
				"INVALID_ARGUMENT",
				"sessionId must be a string of 1 to 200 characters",
				{
					backend: db.name,
				},
			);
		const ttl = options.leaseTtlMs ?? 30_000;
		if (!Number.isInteger(ttl) || ttl < 1000)
			throw new SessionBackendError("INVALID_ARGUMENT", "leaseTtlMs must be an integer ≥ 1000", {
				backend: db.name,
			});
		let owner: string | undefined;
		let readOnly: { foreign: PersistedSession | null | undefined } | undefined;
		let imported: MigrationResult["importedReference"];
		let found: SchemaState["kind"] | undefined;
		try {
			if (options.readOnly) {
				const state = await guard(db, "open", () => readSchema(db));
				found = state.kind;
				readOnly = {
					foreign:
						state.kind === "ours"
							? undefined
							: state.kind === "reference" && sessionId === "default"
								? (state.session ?? null)
								: null,
				};
			} else {
				const foreign = options.migrateForeign === true;
				imported = (await guard(db, "open", () => migrate(db, { foreign }))).importedReference;
			}
			if (!options.readOnly && (options.lock ?? true)) {
				owner = randomOwner();
				await acquireLease(db, sessionId, owner, ttl, options.lockWaitMs ?? 0);
			}
		} catch (error) {
			await db.close?.();
			throw error;
		}
		const flushInterval = options.flushInterval ?? 0;
		if (!(Number.isFinite(flushInterval) && flushInterval >= 0))
			throw new SessionBackendError("INVALID_ARGUMENT", "flushInterval must be a number ≥ 0", {
				backend: db.name,
			});
		const backend = new SqlSessionBackend(db, sessionId, owner, ttl, flushInterval);
		backend.#readOnly = readOnly;
		backend.imported = imported;
		backend.found = found;
		if (owner) {
			backend.#renewal = setInterval(
				() => {
					backend
						.exclusive(() => backend.#write("renew lease", async () => {}, true))
						.catch(() => undefined);
				},
				Math.floor(ttl / 3),
			);
			(backend.#renewal as { unref?: () => void }).unref?.();
		}
		return backend;
	}

	/**
	 * The session ids stored in the database, sorted. A read: nothing is migrated or created (a
	 * database without our tables lists none; a ferogram/layer database lists `"default"`).
	 */
	static async listSessions(db: SqlDriver): Promise<string[]> {
		const state = await guard(db, "listSessions", () => readSchema(db));
		if (state.kind === "none") return [];
		if (state.kind === "reference") return state.session ? ["default"] : [];
		const rows = await guard(db, "listSessions", () =>
			db.all("SELECT session_id FROM xs_sessions ORDER BY session_id"),
		);
		return rows.map((r) => String(r.session_id));
	}

	/**
	 * Deletes a session that no open instance holds (`SessionLockedError` when one does).
	 * Resolves `false` when there was no such session.
	 */
	static async deleteSession(db: SqlDriver, sessionId: string): Promise<boolean> {
		await guard(db, "deleteSession", () => migrate(db));
		return guard(db, "deleteSession", () =>
			db.transaction(async (tx) => {
				const holder = await leaseHolder(tx, sessionId);
				if (holder && (holder.expiresAt ?? 0) > Date.now())
					throw new SessionLockedError(`session "${sessionId}" is open in ${describe(holder)}`, {
						backend: db.name,
						holder,
					});
				const [row] = await tx.all("SELECT 1 AS found FROM xs_sessions WHERE session_id = ?", [
					sessionId,
				]);
				for (const table of DATA_TABLES)
					await tx.run(`DELETE FROM ${table} WHERE session_id = ?`, [sessionId]);
				await tx.run("DELETE FROM xs_leases WHERE session_id = ?", [sessionId]);
				return row !== undefined;
			}),
		);
	}

	/** Writes coalesced update-state changes now. */
	override flush(): Promise<void> {
		return this.exclusive(() => this.#writePending());
	}

	async #writePending(): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		const p = this.#pending;
		if (!p) return;
		await this.#granular("applyUpdateState", (tx) => this.#applyPending(tx, p));
		if (this.#pending === p) this.#pending = undefined;
	}

	async #applyPending(tx: SqlExecutor, p: PendingState): Promise<void> {
		const id = this.sessionId;
		if (p.primary) await tx.run(SET_PRIMARY, [p.primary.pts, p.primary.date, p.primary.seq, id]);
		if (p.qts !== undefined) await tx.run(SET_QTS, [p.qts, id]);
		for (const [channelId, pts] of p.channels) await tx.run(UPSERT_CHANNEL, [id, channelId, pts]);
	}

	#readOnlyError(operation: string): SessionBackendError {
		return new SessionBackendError(
			"UNSUPPORTED",
			`${operation}: ${this.#db.location} was opened read-only (readOnly: true); open it without readOnly to write`,
			{ backend: this.name },
		);
	}

	/** Keeps a change for the next write (coalescing). */
	#coalesce(change: UpdateStateChange): Promise<void> {
		if (this.#readOnly) return Promise.reject(this.#readOnlyError("applyUpdateState"));
		return this.exclusive(async () => {
			this.#pending ??= { channels: new Map<bigint, number>() };
			const p = this.#pending;
			if (change.type === "primary")
				p.primary = { pts: change.pts, date: change.date, seq: change.seq };
			else if (change.type === "secondary") p.qts = change.qts;
			else if (change.type === "channel") p.channels.set(change.channelId, change.pts);
			if (!this.#timer) {
				this.#timer = setTimeout(() => {
					this.#timer = undefined;
					this.exclusive(() => this.#writePending()).catch(() => undefined);
				}, this.#flushInterval);
				(this.#timer as { unref?: () => void }).unref?.();
			}
		});
	}

	protected async loadSession(): Promise<PersistedSession | null> {
		const foreign = this.#readOnly?.foreign;
		if (foreign !== undefined) return foreign && cloneSession(foreign);
		await this.#writePending();
		return guard(this.#db, "load", () => readSession(this.#db, this.sessionId, this.#rows));
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		this.#dropPending(); // a full save replaces what was pending (save() checked every field)
		const s = normalizeSession(session);
		await this.#write("save", async (tx) => {
			for (const table of DATA_TABLES)
				await tx.run(`DELETE FROM ${table} WHERE session_id = ?`, [this.sessionId]);
			await tx.run(
				"INSERT INTO xs_sessions (session_id, home_dc_id, pts, qts, date, seq, future_auth_token) VALUES (?, ?, ?, ?, ?, ?, ?)",
				[
					this.sessionId,
					s.homeDcId,
					s.updatesState.pts,
					s.updatesState.qts,
					s.updatesState.date,
					s.updatesState.seq,
					s.futureAuthToken ? s.futureAuthToken.expose() : null,
				],
			);
			for (const dc of s.dcs) await tx.run(UPSERT_DC, dcParams(this.sessionId, dc));
			for (const c of s.updatesState.channels)
				await tx.run(UPSERT_CHANNEL, [this.sessionId, c.channelId, c.pts]);
			if (this.#db.dialect === "postgres") await unnestPeers(tx, this.sessionId, s.peers, false);
			else await insertPeers(tx, this.sessionId, s.peers);
			await writePeerMeta(tx, this.sessionId, s.peers, this.#dialect, true, this.#rows);
			if (s.extensions) await insertExtensions(tx, this.sessionId, s.extensions);
			for (const m of s.minPeers)
				await tx.run(UPSERT_MIN_PEER, [this.sessionId, m.userId, m.peerId, m.msgId]);
		});
		// a save may replace secrets (encryption switched on, a new login): drop the old pages now
		await this.#db.checkpoint?.().catch(() => undefined);
	}

	#dropPending(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#pending = undefined;
	}

	protected async deleteSession(): Promise<void> {
		this.#dropPending();
		await this.#write("delete", async (tx) => {
			for (const table of DATA_TABLES)
				await tx.run(`DELETE FROM ${table} WHERE session_id = ?`, [this.sessionId]);
		});
		await this.#db.checkpoint?.().catch(() => undefined);
	}

	protected override async closeSession(): Promise<void> {
		if (this.#renewal) clearInterval(this.#renewal);
		try {
			await this.#writePending();
			if (this.#owner) {
				await this.#db
					.run("DELETE FROM xs_leases WHERE session_id = ? AND owner = ?", [
						this.sessionId,
						this.#owner,
					])
					.catch(() => undefined);
			}
		} finally {
			await this.#db.close?.();
		}
	}

	override updateDc(dc: DcEntry): Promise<void> {
		let params: SqlValue[];
		try {
			checkDc(dc, this.name);
			params = dcParams(this.sessionId, dc);
		} catch (error) {
			return Promise.reject(error); // a bad argument rejects, as on every backend
		}
		return this.exclusive(() => this.#granular("updateDc", (tx) => tx.run(UPSERT_DC, params)));
	}

	override setHomeDc(dcId: number): Promise<void> {
		try {
			checkHomeDc(dcId, this.name);
		} catch (error) {
			return Promise.reject(error); // it threw synchronously, unlike every other backend
		}
		return this.exclusive(() =>
			this.#granular("setHomeDc", (tx) => tx.run(SET_HOME, [dcId, this.sessionId])),
		);
	}

	override applyUpdateState(change: UpdateStateChange): Promise<void> {
		let checked: UpdateStateChange;
		try {
			checked = checkedStateChange(change, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		if (this.#flushInterval > 0 && checked.type !== "all") return this.#coalesce(checked);
		return this.exclusive(() => {
			if (checked.type === "all") this.#dropPending(); // replaced by the whole new state
			return this.#granular("applyUpdateState", (tx) => this.#writeState(tx, checked));
		});
	}

	/** The statements of one update-state change (checked), inside the caller's transaction. */
	async #writeState(tx: SqlExecutor, change: UpdateStateChange): Promise<void> {
		const id = this.sessionId;
		switch (change.type) {
			case "primary":
				await tx.run(SET_PRIMARY, [change.pts, change.date, change.seq, id]);
				return;
			case "secondary":
				await tx.run(SET_QTS, [change.qts, id]);
				return;
			case "channel":
				await tx.run(UPSERT_CHANNEL, [id, change.channelId, change.pts]);
				return;
			case "all": {
				const st = change.state;
				await tx.run(
					"UPDATE xs_sessions SET pts = ?, qts = ?, date = ?, seq = ? WHERE session_id = ?",
					[st.pts, st.qts, st.date, st.seq, id],
				);
				await tx.run("DELETE FROM xs_channel_pts WHERE session_id = ?", [id]);
				for (const c of st.channels) await tx.run(UPSERT_CHANNEL, [id, c.channelId, c.pts]);
				return;
			}
		}
	}

	/** Upserts prepared peers and their metadata, inside the caller's transaction. */
	async #writePeers(tx: SqlExecutor, peers: readonly CachedPeer[]): Promise<void> {
		const list = mergedBatch(peers);
		if (this.#db.dialect === "postgres") await unnestPeers(tx, this.sessionId, list, true);
		else await upsertPeers(tx, this.sessionId, list);
		// the same list back: no peer repeats, which spares the metadata its own search for repeats
		const distinct = list === peers;
		await writePeerMeta(tx, this.sessionId, peers, this.#dialect, false, this.#rows, distinct);
	}

	/**
	 * One transaction with the statements the granular methods use, in field order, after any
	 * coalesced update state (written first, as by every other call) and the lease check.
	 */
	override applyChanges(changes: SessionChanges): Promise<void> {
		let c: PreparedChanges;
		try {
			c = prepareChanges(changes, this.name, true);
		} catch (error) {
			return Promise.reject(error);
		}
		if (changesAreEmpty(c)) return this.exclusive(async () => {});
		const id = this.sessionId;
		return this.exclusive(() =>
			this.#granular("applyChanges", async (tx) => {
				for (const dc of c.dcs) await tx.run(UPSERT_DC, dcParams(id, dc));
				if (c.homeDcId !== undefined) await tx.run(SET_HOME, [c.homeDcId, id]);
				for (const change of c.updateState) await this.#writeState(tx, change);
				if (c.peers.length > 0) await this.#writePeers(tx, c.peers);
				for (const userId of c.deleteMinPeers) await tx.run(DELETE_MIN_PEER, [id, userId]);
				for (const m of c.minPeers)
					await tx.run(UPSERT_MIN_PEER, [id, m.userId, m.peerId, m.msgId]);
				for (const key of c.deleteExtensions) await tx.run(DELETE_EXTENSION, [id, key]);
				for (const [key, v] of c.setExtensions)
					await tx.run(UPSERT_EXTENSION, [id, key, v.expose()]);
			}),
		);
	}

	override cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		let copy: CachedPeer[];
		try {
			copy = preparePeers(peers, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		if (copy.length === 0) return this.exclusive(async () => {});
		return this.exclusive(() => this.#granular("cachePeers", (tx) => this.#writePeers(tx, copy)));
	}

	// async: a bad argument rejects; the queue is still joined synchronously, in call order
	override async setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		const v = extensionValue(key, value, this.name);
		return this.exclusive(() =>
			this.#granular("setExtension", (tx) =>
				tx.run(UPSERT_EXTENSION, [this.sessionId, key, v.expose()]),
			),
		);
	}

	override deleteExtension(key: string): Promise<void> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.exclusive(() =>
			this.#granular("deleteExtension", (tx) => tx.run(DELETE_EXTENSION, [this.sessionId, key])),
		);
	}

	override getExtension(key: string): Promise<SecretBytes | null> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#read("getExtension", (db) =>
			lookups.extension(db, this.sessionId, this.#rows, key),
		);
	}

	override listExtensionKeys(prefix = ""): Promise<string[]> {
		return this.#read("listExtensionKeys", (db) =>
			lookups.extensionKeys(db, this.sessionId, this.#rows, prefix),
		);
	}

	override getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		try {
			if (!PEER_KINDS.includes(kind)) throw invalidKind(kind, this.name);
			check.i64(id, "peer id", this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#peerBy("getPeer", "peer", [this.sessionId, PEER_KINDS.indexOf(kind), id]);
	}

	override findPeerByUsername(username: string): Promise<CachedPeer | null> {
		const name = normalizeUsername(String(username));
		if (name.length === 0) return this.exclusive(async () => null);
		return this.#peerBy("findPeerByUsername", "byUsername", [this.sessionId, name]);
	}

	override findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		const digits = normalizePhone(String(phone));
		if (digits.length === 0) return this.exclusive(async () => null);
		return this.#peerBy("findPeerByPhone", "byPhone", [this.sessionId, digits]);
	}

	/**
	 * One peer by an index. When no call of this instance is queued or coalesced and the driver
	 * can answer synchronously, the query runs at once (it then sees every earlier call's effect
	 * and precedes every later one, as the queue would order it); otherwise it is queued.
	 */
	#peerBy(operation: string, by: PeerLookup, params: SqlValue[]): Promise<CachedPeer | null> {
		const sql = this.#lookupSql[by];
		if (this.idle && this.#pending === undefined && this.#db.readNow) {
			try {
				const values = this.#db.readNow(sql, params);
				if (values !== undefined)
					return Promise.resolve(
						values === null ? null : peerWithMetaFromValues(this.#rows, values),
					);
			} catch (error) {
				return Promise.reject(guardError(this.#db, operation, error));
			}
		}
		return this.#read(operation, async (db) => {
			const [row] = await db.all(sql, params);
			return row ? peerWithMetaFromRow(this.#rows, row) : null;
		});
	}

	/** A read after every call queued before it (read-your-writes), outside a transaction. */
	#read<T>(operation: string, query: (db: SqlExecutor) => Promise<T>): Promise<T> {
		if (this.#readOnly?.foreign !== undefined)
			return Promise.reject(
				new SessionBackendError(
					"UNSUPPORTED",
					`${operation}: ${this.#db.location} has no tables of ours (read-only open): only load() reads it`,
					{ backend: this.name },
				),
			);
		return this.exclusive(() => guard(this.#db, operation, () => query(this.#db)));
	}

	/** A granular write: creates the session row if needed, then runs `change`, in one transaction. */
	#granular(operation: string, change: (tx: SqlExecutor) => Promise<unknown>): Promise<void> {
		// coalesced changes made before this call are written with it, in the same transaction
		const pending = operation === "applyUpdateState" ? undefined : this.#pending;
		return this.#write(operation, async (tx) => {
			await tx.run(ENSURE_SESSION, [this.sessionId]);
			if (pending) await this.#applyPending(tx, pending);
			await change(tx);
		}).then(() => {
			if (pending && this.#pending === pending) this.#dropPending();
		});
	}

	/** A write transaction that first checks (and, when due or `renew`, extends) this instance's lease. */
	#write(
		operation: string,
		body: (tx: SqlExecutor) => Promise<void>,
		renew = false,
	): Promise<void> {
		if (this.#readOnly) return Promise.reject(this.#readOnlyError(operation));
		return guard(this.#db, operation, () =>
			this.#db.transaction(async (tx) => {
				if (this.#owner) await this.#checkLease(tx, operation, renew);
				await body(tx);
			}),
		);
	}

	/**
	 * Inside the write transaction, under which no other instance can take the lease over (the
	 * write lock; on PostgreSQL a row lock): the lease is extended when a third of its lifetime
	 * has passed since it last was, and otherwise only read (a renewal on every write would add a
	 * page to every commit, and a dead row version on PostgreSQL).
	 */
	async #checkLease(tx: SqlExecutor, operation: string, renew: boolean): Promise<void> {
		const now = Date.now();
		if (!renew && now - this.#renewedAt < this.#ttl / 3) {
			// PostgreSQL runs transactions side by side: the row lock keeps a takeover from
			// committing before this transaction does (SQLite's write lock already does)
			const lock = this.#db.dialect === "postgres" ? " FOR SHARE" : "";
			const [row] = await tx.all(`SELECT owner FROM xs_leases WHERE session_id = ?${lock}`, [
				this.sessionId,
			]);
			if (row?.owner === this.#owner) return;
		} else {
			const { changes } = await tx.run(
				"UPDATE xs_leases SET expires_at = ? WHERE session_id = ? AND owner = ?",
				[now + this.#ttl, this.sessionId, this.#owner as string],
			);
			if (changes === 1) {
				this.#renewedAt = now;
				return;
			}
		}
		const holder = await leaseHolder(tx, this.sessionId);
		throw new SessionLockedError(
			`${operation}: the lease on session "${this.sessionId}" was lost${holder ? ` to ${describe(holder)}` : ""}`,
			{ backend: this.name, ...(holder ? { holder } : {}) },
		);
	}
}

async function readSession(
	db: SqlExecutor,
	id: string,
	r: RowReader,
): Promise<PersistedSession | null> {
	const [head] = await db.all("SELECT * FROM xs_sessions WHERE session_id = ?", [id]);
	if (!head) return null;
	const token = r.blob(head, "future_auth_token");
	const [dcs, channels, peers, minPeers, meta, extensions] = await Promise.all([
		db.all("SELECT * FROM xs_dcs WHERE session_id = ?", [id]),
		db.all("SELECT * FROM xs_channel_pts WHERE session_id = ?", [id]),
		db.all("SELECT * FROM xs_peers WHERE session_id = ?", [id]),
		db.all("SELECT * FROM xs_min_peers WHERE session_id = ?", [id]),
		readPeerMeta(db, id, r),
		readExtensions(db, id, r),
	]);
	const session: PersistedSession = {
		homeDcId: r.i32(head, "home_dc_id"),
		dcs: dcs.map((row) => dcFromRow(r, row)),
		updatesState: {
			pts: r.i32(head, "pts"),
			qts: r.i32(head, "qts"),
			date: r.i32(head, "date"),
			seq: r.i32(head, "seq"),
			channels: channels.map((row) => ({
				channelId: r.i64(row, "channel_id"),
				pts: r.i32(row, "pts"),
			})),
		},
		peers: peers.map((row) => peerFromRow(r, row)),
		minPeers: minPeers.map((row) => minPeerFromRow(r, row)),
		futureAuthToken: token && new SecretBytes(token),
	};
	if (meta.size > 0)
		for (const peer of session.peers) {
			const m = meta.get(peerKey(peer.kind, peer.id));
			if (m) peer.meta = m;
		}
	if (extensions.size > 0) session.extensions = extensions;
	return session;
}

/** Inserts peers known to be new (after a delete), many rows per statement. */
async function insertPeers(
	tx: SqlExecutor,
	id: string,
	peers: readonly CachedPeer[],
): Promise<void> {
	for (let i = 0; i < peers.length; i += PEERS_PER_STATEMENT) {
		const end = Math.min(i + PEERS_PER_STATEMENT, peers.length);
		await tx.run(
			rowsSql(
				"INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind) VALUES ",
				"(?, ?, ?, ?, ?)",
				end - i,
			),
			peerRows(id, peers, i, end),
		);
	}
}

/**
 * The batch with repeats merged by the merge rules, so one statement never touches a row twice.
 * The peers are the caller's prepared copies (their kinds checked): one seen once is used as it
 * is, and a batch without repeats is returned as it is.
 */
function mergedBatch(peers: readonly CachedPeer[]): readonly CachedPeer[] {
	// the usual batch has no repeats: one set operation per peer finds that out
	const seen = PEER_KINDS.map(() => new Set<bigint>());
	for (const p of peers) {
		const ids = seen[PEER_KINDS.indexOf(p.kind)] as Set<bigint>;
		const size = ids.size;
		ids.add(p.id);
		if (ids.size === size) return mergedRepeats(peers);
	}
	return peers;
}

/** {@link mergedBatch} of a batch with repeats: each merged into its first position. */
function mergedRepeats(peers: readonly CachedPeer[]): CachedPeer[] {
	const byKind = PEER_KINDS.map(() => new Map<bigint, number>());
	const out: CachedPeer[] = [];
	for (const p of peers) {
		const ids = byKind[PEER_KINDS.indexOf(p.kind)] as Map<bigint, number>;
		const at = ids.get(p.id);
		if (at === undefined) {
			ids.set(p.id, out.length);
			out.push(p);
		} else out[at] = mergePeer(out[at], p);
	}
	return out;
}

/** The parameters of `xs_peers` rows `peers[start..end)`, in column order. */
function peerRows(
	id: string,
	peers: readonly CachedPeer[],
	start: number,
	end: number,
): SqlValue[] {
	const params = new Array<SqlValue>((end - start) * 5);
	let j = 0;
	for (let i = start; i < end; i++) {
		const p = peers[i] as CachedPeer;
		params[j++] = id;
		params[j++] = PEER_KINDS.indexOf(p.kind);
		params[j++] = p.id;
		params[j++] = p.accessHash;
		params[j++] = p.channelKind === null ? null : CHANNEL_KINDS.indexOf(p.channelKind);
	}
	return params;
}

/**
 * PostgreSQL: the whole batch in one statement, arrays unnested server-side; `merge` upserts
 * (with the merge rules) a batch without repeats ({@link mergedBatch}), else the rows are new.
 */
async function unnestPeers(
	tx: SqlExecutor,
	id: string,
	list: readonly CachedPeer[],
	merge: boolean,
): Promise<void> {
	if (list.length === 0) return;
	const rows = list.map((p) => peerParams(id, p));
	const column = (i: number) => rows.map((r) => r[i]);
	const insert = `INSERT INTO xs_peers (session_id, kind, id, access_hash, channel_kind)
		SELECT ?, * FROM unnest(?::int2[], ?::int8[], ?::int8[], ?::int2[])`;
	const onConflict = UPSERT_PEER.slice(UPSERT_PEER.indexOf("ON CONFLICT"));
	const params = [id, column(1), column(2), column(3), column(4)] as unknown as SqlValue[];
	await tx.run(merge ? `${insert} ${onConflict}` : insert, params);
}

/** Upserts peers with the merge rules, a batch without repeats ({@link mergedBatch}). */
async function upsertPeers(
	tx: SqlExecutor,
	id: string,
	list: readonly CachedPeer[],
): Promise<void> {
	for (let i = 0; i < list.length; i += PEERS_PER_STATEMENT) {
		const end = Math.min(i + PEERS_PER_STATEMENT, list.length);
		await tx.run(
			rowsSql(UPSERT_PEER_HEAD, "(?, ?, ?, ?, ?)", end - i, UPSERT_PEER_TAIL),
			peerRows(id, list, i, end),
		);
	}
}

async function acquireLease(
	db: SqlDriver,
	id: string,
	owner: string,
	ttl: number,
	waitMs: number,
): Promise<void> {
	const deadline = Date.now() + waitMs;
	for (;;) {
		const held = await guard(db, "open", () =>
			db.transaction(async (tx) => {
				const holder = await leaseHolder(tx, id);
				const now = Date.now();
				const dead =
					holder?.pid !== undefined &&
					holder.host === db.processInfo?.host &&
					db.isProcessAlive?.(holder.pid) === false;
				if (holder && (holder.expiresAt ?? 0) > now && !dead) return holder;
				await tx.run(
					`INSERT INTO xs_leases (session_id, owner, pid, host, expires_at) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (session_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
						host = excluded.host, expires_at = excluded.expires_at`,
					[id, owner, db.processInfo?.pid ?? null, db.processInfo?.host ?? null, now + ttl],
				);
				return undefined;
			}),
		);
		if (!held) return;
		if (Date.now() >= deadline) {
			throw new SessionLockedError(
				`session "${id}" in ${db.location} is held by ${describe(held)}`,
				{
					backend: db.name,
					holder: held,
				},
			);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
}

async function leaseHolder(db: SqlExecutor, id: string): Promise<LockHolder | undefined> {
	const [row] = await db.all(
		"SELECT owner, pid, host, expires_at FROM xs_leases WHERE session_id = ?",
		[id],
	);
	if (!row) return undefined;
	return {
		owner: String(row.owner),
		...(row.pid !== null ? { pid: Number(row.pid) } : {}),
		...(row.host !== null ? { host: String(row.host) } : {}),
		expiresAt: Number(row.expires_at),
	};
}

function describe(h: LockHolder): string {
	const who =
		h.pid !== undefined ? `pid ${h.pid}${h.host ? ` on ${h.host}` : ""}` : `owner ${h.owner}`;
	return h.expiresAt ? `${who} (lease until ${new Date(h.expiresAt).toISOString()})` : who;
}

function randomOwner(): string {
	const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs `op`, passing errors through the driver's mapping; typed errors pass as they are. */
export async function guard<T>(db: SqlDriver, operation: string, op: () => Promise<T>): Promise<T> {
	try {
		return await op();
	} catch (error) {
		throw guardError(db, operation, error);
	}
}

/** The error {@link guard} rejects with for `error`. */
function guardError(db: SqlDriver, operation: string, error: unknown): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const mapped = db.mapError?.(error, operation);
	if (mapped instanceof SessionBackendError) return mapped;
	return new SessionBackendError(
		"IO",
		`${operation} failed on ${db.location}: ${errorText(error)}`,
		{
			backend: db.name,
			cause: error,
		},
	);
}

function errorText(error: unknown): string {
	const e = error as { code?: unknown; message?: unknown };
	return typeof e?.code === "string"
		? `${e.code}`
		: typeof e?.message === "string"
			? e.message.slice(0, 200)
			: "error";
}

function invalidKind(kind: unknown, backend: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", `unknown peer kind ${String(kind)}`, {
		backend,
	});
}

export type { SqlRow };
