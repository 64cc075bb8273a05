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
import { isSessionError, type SessionBackendError } from "../errors.js";
import {
	checkExtensionKey,
	extensionValue,
	normalizePhone,
	normalizeUsername,
} from "../extensions.js";
import { normalizeSession } from "../normalize.js";
import type { SecretBytes } from "../secret.js";
import { cloneSession } from "../session.js";
import type {
	CachedPeer,
	DcEntry,
	LoadOptions,
	PeerKind,
	PersistedSession,
	SessionChanges,
	UpdateStateChange,
} from "../types.js";
import type { Dialect } from "./dialect.js";
import type { SqlDriver, SqlExecutor, SqlValue } from "./driver.js";
import { DELETE_EXTENSION, extensionLookups, UPSERT_EXTENSION } from "./extension-values.js";
import { guard, guardError } from "./guard.js";
import { type Lease, NOT_DURABLE } from "./lease.js";
import { type LeaseKeeper, leaseKeeperOf } from "./lease-keeper.js";
import { dialectOf, type MigrationResult, type SchemaState } from "./migrate.js";
import type { PreparedSqlSession } from "./open.js";
import { type PeerLookup, peerWithMetaFromRow, peerWithMetaFromValues } from "./peer-meta.js";
import { foreignLookupError, invalidKind, readOnlyError } from "./refusals.js";
import { dcParams, PEER_KINDS, RowReader } from "./rows.js";
import {
	deleteSessionRows,
	readSession,
	UPSERT_DC,
	UPSERT_MIN_PEER,
	writePeers,
	writeSession,
} from "./session-rows.js";
import {
	coalesceState,
	type PendingState,
	stateStatement,
	writePending,
	writeState,
} from "./state.js";

const SET_HOME = "UPDATE xs_sessions SET home_dc_id = ? WHERE session_id = ?";
const DELETE_MIN_PEER = "DELETE FROM xs_min_peers WHERE session_id = ? AND user_id = ?";
const ENSURE_SESSION =
	"INSERT INTO xs_sessions (session_id) VALUES (?) ON CONFLICT (session_id) DO NOTHING";

/**
 * The session backend of the SQL packages, written against {@link SqlDriver} and its
 * {@link Dialect}. A full save is one transaction that replaces the session's rows; granular
 * methods are single-row upserts; calls on one instance take effect in the order they were made.
 * With locking, every write first checks, inside its transaction, that this instance still holds
 * the session's lease (fencing), so a writer whose lease was taken over cannot write.
 *
 * Built from what `prepareSqlSession` made ready; a backend package subclasses it with its own
 * `static open(options)` (`openSqlSession(driver, options)` for a driver of your own).
 */
export class SqlSessionBackend extends BaseSessionBackend {
	readonly name: string;
	override readonly capabilities: BackendCapabilities;
	readonly sessionId: string;
	readonly #db: SqlDriver;
	readonly #dialect: Dialect;
	readonly #rows: RowReader;
	readonly #lookupSql: Readonly<Record<PeerLookup, string>>;
	readonly #lease: Lease | undefined;
	/** Renews the lease with those of every other session on the same connection. */
	readonly #keeper: LeaseKeeper | undefined;
	readonly #flushInterval: number;
	#pending: PendingState | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	readonly #readOnly: PreparedSqlSession["readOnly"];
	/** Set when this open imported a ferogram/layer database (`migrateForeign`). */
	readonly imported: MigrationResult["importedReference"];
	/** Set by a `readOnly` open: our tables, none (no session), or a ferogram/layer database. */
	readonly found: SchemaState["kind"] | undefined;

	constructor(prepared: PreparedSqlSession) {
		super();
		const db = prepared.driver;
		this.#db = db;
		this.#dialect = dialectOf(db);
		this.name = db.name;
		this.sessionId = prepared.sessionId;
		this.#lease = prepared.lease;
		this.#flushInterval = prepared.flushInterval;
		this.#readOnly = prepared.readOnly;
		this.imported = prepared.imported;
		this.found = prepared.found;
		this.#rows = new RowReader(db.name, `${db.location}#${this.sessionId}`);
		this.#lookupSql = this.#dialect.lookups;
		this.capabilities = {
			persistent: true,
			multiSession: true,
			locking: this.#lease !== undefined,
			nativeGranular: true,
			coalescing: this.#flushInterval > 0,
			extensions: true,
			nativeLookups: true,
		};
		if (this.#lease) {
			this.#keeper = leaseKeeperOf(db);
			this.#keeper.hold(this.#lease);
		}
		// offered only over a driver that reads synchronously (SessionBackend.getPeerNow)
		if (db.readNow) {
			this.getPeerNow = (kind, id) => {
				if (!PEER_KINDS.includes(kind)) throw invalidKind(kind, this.name);
				check.i64(id, "peer id", this.name);
				const params = [this.sessionId, PEER_KINDS.indexOf(kind), id];
				return this.#peerNow("getPeer", "peer", params, true);
			};
			this.findPeerByUsernameNow = (username) => {
				const name = normalizeUsername(String(username));
				if (name.length === 0) return this.idle ? null : undefined;
				return this.#peerNow("findPeerByUsername", "byUsername", [this.sessionId, name], true);
			};
			this.findPeerByPhoneNow = (phone) => {
				const digits = normalizePhone(String(phone));
				if (digits.length === 0) return this.idle ? null : undefined;
				return this.#peerNow("findPeerByPhone", "byPhone", [this.sessionId, digits], true);
			};
		}
	}

	readonly getPeerNow?: (kind: PeerKind, id: bigint) => CachedPeer | null | undefined;
	readonly findPeerByUsernameNow?: (username: string) => CachedPeer | null | undefined;
	readonly findPeerByPhoneNow?: (phone: string) => CachedPeer | null | undefined;

	/** Writes coalesced update-state changes now. */
	override flush(): Promise<void> {
		return this.exclusive(() => this.#writePending());
	}

	async #writePending(): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		const p = this.#pending;
		if (!p) return;
		await this.#granular("applyUpdateState", (tx) => writePending(tx, this.sessionId, p));
		if (this.#pending === p) this.#pending = undefined;
	}

	#readOnlyError(operation: string): SessionBackendError {
		return readOnlyError(this.name, this.#db.location, operation);
	}

	/** Keeps a change for the next write (coalescing). */
	#coalesce(change: UpdateStateChange): Promise<void> {
		if (this.#readOnly) return Promise.reject(this.#readOnlyError("applyUpdateState"));
		return this.exclusive(async () => {
			this.#pending ??= { channels: new Map<bigint, number>() };
			coalesceState(this.#pending, change);
			if (!this.#timer) {
				this.#timer = setTimeout(() => {
					this.#timer = undefined;
					this.exclusive(() => this.#writePending()).catch(() => undefined);
				}, this.#flushInterval);
				(this.#timer as { unref?: () => void }).unref?.();
			}
		});
	}

	#dropPending(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#pending = undefined;
	}

	protected async loadSession(options?: LoadOptions): Promise<PersistedSession | null> {
		const foreign = this.#readOnly?.foreign;
		if (foreign !== undefined) return foreign && cloneSession(foreign);
		await this.#writePending();
		const withPeers = options?.peers !== false;
		return guard(this.#db, "load", () =>
			readSession(this.#db, this.sessionId, this.#rows, withPeers),
		);
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		this.#dropPending(); // a full save replaces what was pending (save() checked every field)
		const s = normalizeSession(session);
		await this.#write("save", (tx) =>
			writeSession(tx, this.#dialect, this.sessionId, s, this.#rows),
		);
		// a save may replace secrets (encryption switched on, a new login): drop the old pages now
		await this.#db.checkpoint?.().catch(() => undefined);
	}

	protected async deleteSession(): Promise<void> {
		this.#dropPending();
		await this.#write("delete", (tx) => deleteSessionRows(tx, this.sessionId));
		await this.#db.checkpoint?.().catch(() => undefined);
	}

	protected override async closeSession(): Promise<void> {
		if (this.#lease) this.#keeper?.release(this.#lease);
		try {
			await this.#writePending();
			if (this.#lease) {
				const { owner } = this.#lease;
				await this.#db
					.transaction(
						(tx) =>
							tx.run("DELETE FROM xs_leases WHERE session_id = ? AND owner = ?", [
								this.sessionId,
								owner,
							]),
						NOT_DURABLE,
					)
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
		return this.exclusive(() => this.#single("updateDc", UPSERT_DC, params));
	}

	override setHomeDc(dcId: number): Promise<void> {
		try {
			checkHomeDc(dcId, this.name);
		} catch (error) {
			return Promise.reject(error); // it threw synchronously, unlike every other backend
		}
		return this.exclusive(() => this.#single("setHomeDc", SET_HOME, [dcId, this.sessionId]));
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
			if (checked.type !== "all")
				return this.#single("applyUpdateState", ...stateStatement(this.sessionId, checked));
			this.#dropPending(); // replaced by the whole new state
			return this.#granular("applyUpdateState", (tx) => writeState(tx, this.sessionId, checked));
		});
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
				for (const change of c.updateState) await writeState(tx, id, change);
				if (c.peers.length > 0) await writePeers(tx, this.#dialect, id, c.peers, this.#rows);
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
		return this.exclusive(() =>
			this.#granular("cachePeers", (tx) =>
				writePeers(tx, this.#dialect, this.sessionId, copy, this.#rows),
			),
		);
	}

	// async: a bad argument rejects; the queue is still joined synchronously, in call order
	override async setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		const v = extensionValue(key, value, this.name);
		return this.exclusive(() =>
			this.#single("setExtension", UPSERT_EXTENSION, [this.sessionId, key, v.expose()]),
		);
	}

	override deleteExtension(key: string): Promise<void> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.exclusive(() =>
			this.#single("deleteExtension", DELETE_EXTENSION, [this.sessionId, key]),
		);
	}

	override getExtension(key: string): Promise<SecretBytes | null> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#read("getExtension", (db) =>
			extensionLookups.extension(db, this.sessionId, this.#rows, key),
		);
	}

	override listExtensionKeys(prefix = ""): Promise<string[]> {
		return this.#read("listExtensionKeys", (db) =>
			extensionLookups.extensionKeys(db, this.sessionId, this.#rows, prefix),
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
		let now: CachedPeer | null | undefined;
		try {
			now = this.#peerNow(operation, by, params);
		} catch (error) {
			return Promise.reject(error);
		}
		if (now !== undefined) return Promise.resolve(now);
		return this.#read(operation, async (db) => {
			const [row] = await db.all(sql, params);
			return row ? peerWithMetaFromRow(this.#rows, row) : null;
		});
	}

	/**
	 * One peer by an index, synchronously, when no call of this instance is queued or coalesced
	 * and the driver can answer now; `undefined` otherwise (the caller queues it). `urgent`: the
	 * caller must answer synchronously (see `SqlDriver.readNow`).
	 */
	#peerNow(
		operation: string,
		by: PeerLookup,
		params: SqlValue[],
		urgent = false,
	): CachedPeer | null | undefined {
		if (!this.idle || this.#pending !== undefined || !this.#db.readNow) return undefined;
		if (this.#readOnly?.foreign !== undefined) return undefined; // #read refuses it
		let values: readonly SqlValue[] | null | undefined;
		try {
			values = this.#db.readNow(this.#lookupSql[by], params, urgent);
		} catch (error) {
			throw guardError(this.#db, operation, error);
		}
		if (values === undefined) return undefined;
		return values === null ? null : peerWithMetaFromValues(this.#rows, values);
	}

	/** A read after every call queued before it (read-your-writes), outside a transaction. */
	#read<T>(operation: string, query: (db: SqlExecutor) => Promise<T>): Promise<T> {
		if (this.#readOnly?.foreign !== undefined)
			return Promise.reject(foreignLookupError(this.name, this.#db.location, operation));
		return this.exclusive(() => guard(this.#db, operation, () => query(this.#db)));
	}

	/**
	 * A granular write of one statement. Where the dialect fences a write in the statement itself
	 * (`Dialect.fencedWrite`, PostgreSQL) it is one round trip; it is made as a transaction
	 * (`#granular`) instead when the statement did not run (no session row yet, or the lease
	 * lost: the transaction tells which), when a lease renewal is due or coalesced changes are to
	 * be written first, and when it could not be sent (`CONNECTION`).
	 */
	#single(operation: string, sql: string, params: SqlValue[]): Promise<void> {
		const transaction = () => this.#granular(operation, (tx) => tx.run(sql, params));
		const lease = this.#lease;
		const fenced = this.#dialect.fencedWrite?.(sql, lease !== undefined);
		const pending = operation !== "applyUpdateState" && this.#pending !== undefined;
		if (!fenced || this.#readOnly || pending || (lease && !lease.checkOnly(Date.now())))
			return transaction();
		const bound = lease ? [this.sessionId, lease.owner, ...params] : [this.sessionId, ...params];
		return guard(this.#db, operation, () => this.#db.all(fenced, bound)).then(
			([row]) => (row?.fenced ? undefined : transaction()),
			(error: unknown) => {
				// not sent (no connection to be had): the transaction reports what it meets
				if (isSessionError(error, "CONNECTION")) return transaction();
				throw error;
			},
		);
	}

	/** A granular write: creates the session row if needed, then runs `change`, in one transaction. */
	#granular(operation: string, change: (tx: SqlExecutor) => Promise<unknown>): Promise<void> {
		// coalesced changes made before this call are written with it, in the same transaction
		const pending = operation === "applyUpdateState" ? undefined : this.#pending;
		return this.#write(operation, async (tx) => {
			await tx.run(ENSURE_SESSION, [this.sessionId]);
			if (pending) await writePending(tx, this.sessionId, pending);
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
		const lease = this.#lease;
		return guard(this.#db, operation, () =>
			this.#db.transaction(async (tx) => {
				if (lease) await lease.check(tx, operation, renew);
				await body(tx);
			}),
		);
	}
}
