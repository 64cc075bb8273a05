import { check, utf8Length } from "./codec/bytes.js";
import { AUTH_KEY_LENGTH } from "./codec/format.js";
import { upsertDc } from "./dc-slots.js";
import { isEncryptedEnvelope } from "./envelope.js";
import { EncodeOverflowError, SessionBackendError } from "./errors.js";
import {
	ByteSlab,
	checkExtensionKey,
	extensionValue,
	preparedPeer,
	setSessionExtension,
} from "./extensions.js";
import { type PeerIndex, upsertPreparedPeers } from "./peer-index.js";
import { upsertMinPeer } from "./peers.js";
import { SecretBytes } from "./secret.js";
import type {
	CachedMinPeer,
	CachedPeer,
	DcEntry,
	PersistedSession,
	SessionChanges,
	UpdateStateChange,
} from "./types.js";
import { applyUpdateStateChange } from "./update-state.js";

/**
 * A batch for `applyChanges`, checked and copied: every list present (maybe empty), peers in
 * stored form (see `preparePeers`), extension values as {@link SecretBytes}.
 */
export interface PreparedChanges {
	dcs: DcEntry[];
	homeDcId: number | undefined;
	updateState: UpdateStateChange[];
	peers: CachedPeer[];
	deleteMinPeers: bigint[];
	minPeers: CachedMinPeer[];
	deleteExtensions: string[];
	setExtensions: [string, SecretBytes][];
}

function invalid(message: string, backend: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend });
}

function list<T>(value: readonly T[] | undefined, what: string, backend: string): readonly T[] {
	if (value === undefined) return [];
	if (!Array.isArray(value)) throw invalid(`changes.${what} must be an array`, backend);
	return value;
}

/** Longest DC address, in UTF-8 bytes: the v8 format stores its length in one byte. */
export const MAX_DC_ADDRESS_BYTES = 255;

/**
 * Checks a DC entry's fields (ranges, types, address length, auth key) before any backend
 * writes it. Every backend calls this one check, so none stores a DC that the file and string
 * backends (or a later conversion to them) would refuse.
 */
export function checkDc(dc: DcEntry, backend: string): void {
	if (typeof dc !== "object" || dc === null) throw invalid("a DC entry must be an object", backend);
	check.i32(dc.dcId, "dcId", backend);
	check.i32(dc.timeOffset, "timeOffset", backend);
	check.i64(dc.firstSalt, "firstSalt", backend);
	check.int(dc.flags, 0, 255, "flags", backend);
	if (typeof dc.addr !== "string") throw invalid("dc.addr must be a string", backend);
	checkDcAddress(dc, backend);
	checkAuthKey(dc, backend);
}

/** Checks a DC entry (see {@link checkDc}) and copies it. */
export function checkedDc(dc: DcEntry, backend: string): DcEntry {
	checkDc(dc, backend);
	return { ...dc };
}

/**
 * Checks a DC address's length. SQL, Redis and memory used to store a longer one, which then
 * loaded there but failed every conversion to a file or string, long after the write.
 */
export function checkDcAddress(dc: DcEntry, backend: string): void {
	// UTF-16 length × 3 bounds the UTF-8 length: the usual short address needs no count
	if (dc.addr.length * 3 <= MAX_DC_ADDRESS_BYTES) return;
	const bytes = utf8Length(dc.addr);
	if (bytes > MAX_DC_ADDRESS_BYTES)
		throw new EncodeOverflowError(
			`DC ${String(dc.dcId)}: ${bytes} address bytes in UTF-8, more than the ${MAX_DC_ADDRESS_BYTES} the session format holds; nothing was written (give host:port, e.g. 149.154.167.51:443)`,
			{ backend },
		);
}

/**
 * Checks a DC entry's auth key before it is written: `null`, 256 bytes, or (under
 * `withEncryptedSecrets`) an envelope, which is never 256 bytes. Any other length used to be
 * stored by some backends and then refused by every `load()`, locking the account out.
 */
export function checkAuthKey(dc: DcEntry, backend: string): void {
	const key = dc.authKey;
	if (key === null) return;
	if (!(key instanceof SecretBytes))
		throw invalid("dc.authKey must be SecretBytes or null", backend);
	if (key.length !== AUTH_KEY_LENGTH && !key.read(isEncryptedEnvelope))
		throw invalid(
			`auth key of DC ${String(dc.dcId)} must be ${AUTH_KEY_LENGTH} bytes, got ${key.length}; nothing was written`,
			backend,
		);
}

/** Longest future auth token, in bytes: the v8 format stores its length in two. */
const MAX_TOKEN_BYTES = 0xffff;

/**
 * Checks every field of a whole session that the v8 encoder range-checks (peers are checked as
 * they are prepared), so `save()` on memory, SQL or Redis refuses at once what a file or string
 * backend would refuse, not a later conversion. Counts (over 255 DCs, 65535 peers) are not
 * checked here: a backend may merge repeats below them.
 */
export function checkSessionFields(session: PersistedSession, backend: string): void {
	if (typeof session !== "object" || session === null)
		throw invalid("session must be an object", backend);
	check.i32(session.homeDcId, "homeDcId", backend);
	for (const dc of list(session.dcs, "dcs", backend)) checkDc(dc, backend);
	const st = session.updatesState;
	if (typeof st !== "object" || st === null)
		throw invalid("updatesState must be an object", backend);
	for (const f of ["pts", "qts", "date", "seq"] as const) check.i32(st[f], f, backend);
	for (const c of list(st.channels, "updatesState.channels", backend)) {
		check.i64(c?.channelId, "channelId", backend);
		check.i32(c.pts, "pts", backend);
	}
	for (const m of list(session.minPeers, "minPeers", backend)) checkedMinPeer(m, backend);
	const token = session.futureAuthToken;
	if (token !== null && !(token instanceof SecretBytes))
		throw invalid("futureAuthToken must be SecretBytes or null", backend);
	if (token) check.count(token.length, MAX_TOKEN_BYTES, "future auth token bytes", backend);
}

/** Checks a home DC id: an i32 in the v8 format, as every backend stores it. */
export function checkHomeDc(dcId: number, backend: string): void {
	check.i32(dcId, "dcId", backend);
}

/** Checks an update-state change's fields and copies it. */
export function checkedStateChange(change: UpdateStateChange, backend: string): UpdateStateChange {
	switch (change?.type) {
		case "primary":
			for (const f of ["pts", "date", "seq"] as const) check.i32(change[f], f, backend);
			return { type: "primary", pts: change.pts, date: change.date, seq: change.seq };
		case "secondary":
			check.i32(change.qts, "qts", backend);
			return { type: "secondary", qts: change.qts };
		case "channel":
			check.i64(change.channelId, "channelId", backend);
			check.i32(change.pts, "pts", backend);
			return { type: "channel", channelId: change.channelId, pts: change.pts };
		case "all": {
			const st = change.state;
			for (const f of ["pts", "qts", "date", "seq"] as const) check.i32(st[f], f, backend);
			for (const c of list(st.channels, "updateState channels", backend)) {
				check.i64(c.channelId, "channelId", backend);
				check.i32(c.pts, "pts", backend);
			}
			return { type: "all", state: { ...st, channels: st.channels.map((c) => ({ ...c })) } };
		}
		default:
			throw invalid("unknown update state change", backend);
	}
}

function checkedMinPeer(m: CachedMinPeer, backend: string): CachedMinPeer {
	if (typeof m !== "object" || m === null) throw invalid("a min peer must be an object", backend);
	check.i64(m.userId, "userId", backend);
	check.i64(m.peerId, "peerId", backend);
	check.i32(m.msgId, "msgId", backend);
	return { userId: m.userId, peerId: m.peerId, msgId: m.msgId };
}

/**
 * Checks every part of a batch and copies it, so nothing is written when any part is invalid.
 * Extension parts on a backend without extension support reject with `UNSUPPORTED`.
 */
export function prepareChanges(
	changes: SessionChanges,
	backend: string,
	extensions: boolean,
): PreparedChanges {
	if (typeof changes !== "object" || changes === null)
		throw invalid("changes must be an object", backend);
	const deleteExtensions = list(changes.deleteExtensions, "deleteExtensions", backend);
	const setExtensions = list(changes.setExtensions, "setExtensions", backend);
	if (!extensions && deleteExtensions.length + setExtensions.length > 0)
		throw new SessionBackendError("UNSUPPORTED", "this backend does not store extension data", {
			backend,
		});
	if (changes.homeDcId !== undefined) check.i32(changes.homeDcId, "homeDcId", backend);
	const peers = list(changes.peers, "peers", backend);
	const slab = new ByteSlab();
	return {
		dcs: list(changes.dcs, "dcs", backend).map((dc) => checkedDc(dc, backend)),
		homeDcId: changes.homeDcId,
		updateState: list(changes.updateState, "updateState", backend).map((c) =>
			checkedStateChange(c, backend),
		),
		peers: peers.map((p) => preparedPeer(p, backend, slab)),
		deleteMinPeers: list(changes.deleteMinPeers, "deleteMinPeers", backend).map((id) => {
			check.i64(id, "userId", backend);
			return id;
		}),
		minPeers: list(changes.minPeers, "minPeers", backend).map((m) => checkedMinPeer(m, backend)),
		deleteExtensions: deleteExtensions.map((key) => {
			checkExtensionKey(key, backend);
			return key;
		}),
		setExtensions: setExtensions.map((entry): [string, SecretBytes] => {
			if (!Array.isArray(entry)) throw invalid("setExtensions entries are [key, value]", backend);
			const [key, value] = entry;
			return [key, extensionValue(key, value, backend)];
		}),
	};
}

/** True when a prepared batch changes nothing. */
export function changesAreEmpty(c: PreparedChanges): boolean {
	return (
		c.homeDcId === undefined &&
		c.dcs.length +
			c.updateState.length +
			c.peers.length +
			c.deleteMinPeers.length +
			c.minPeers.length +
			c.deleteExtensions.length +
			c.setExtensions.length ===
			0
	);
}

/**
 * Applies a prepared batch to `session` in field order, with the granular methods' rules (its
 * peers are the batch's copies, given up); `index` as for {@link upsertPreparedPeers}.
 */
export function applySessionChanges(
	session: PersistedSession,
	c: PreparedChanges,
	index?: PeerIndex,
): void {
	for (const dc of c.dcs) upsertDc(session, dc);
	if (c.homeDcId !== undefined) session.homeDcId = c.homeDcId;
	for (const change of c.updateState) applyUpdateStateChange(session.updatesState, change);
	upsertPreparedPeers(session, c.peers, index);
	if (c.deleteMinPeers.length > 0) {
		const gone = new Set(c.deleteMinPeers);
		session.minPeers = session.minPeers.filter((m) => !gone.has(m.userId));
	}
	for (const m of c.minPeers) upsertMinPeer(session, m);
	for (const key of c.deleteExtensions) setSessionExtension(session, key, null);
	for (const [key, value] of c.setExtensions) setSessionExtension(session, key, value);
}
