import { check } from "./codec/bytes.js";
import { AUTH_KEY_LENGTH } from "./codec/format.js";
import { isEncryptedEnvelope } from "./crypto.js";
import { SessionBackendError } from "./errors.js";
import {
	ByteSlab,
	checkExtensionKey,
	extensionValue,
	preparedPeer,
	setSessionExtension,
} from "./extensions.js";
import { SecretBytes } from "./secret.js";
import {
	applyUpdateStateChange,
	type PeerIndex,
	upsertDc,
	upsertMinPeer,
	upsertPreparedPeers,
} from "./session.js";
import type {
	CachedMinPeer,
	CachedPeer,
	DcEntry,
	PersistedSession,
	SessionChanges,
	UpdateStateChange,
} from "./types.js";

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

const PEER_KINDS = new Set(["user", "chat", "channel", "community"]);
const CHANNEL_KINDS = new Set(["broadcast", "megagroup", "gigagroup"]);

function invalid(message: string, backend: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend });
}

function list<T>(value: readonly T[] | undefined, what: string, backend: string): readonly T[] {
	if (value === undefined) return [];
	if (!Array.isArray(value)) throw invalid(`changes.${what} must be an array`, backend);
	return value;
}

/** Checks a DC entry's fields (ranges and types) and copies it. */
export function checkedDc(dc: DcEntry, backend: string): DcEntry {
	if (typeof dc !== "object" || dc === null) throw invalid("a DC entry must be an object", backend);
	check.i32(dc.dcId, "dcId", backend);
	check.i32(dc.timeOffset, "timeOffset", backend);
	check.i64(dc.firstSalt, "firstSalt", backend);
	check.int(dc.flags, 0, 255, "flags", backend);
	if (typeof dc.addr !== "string") throw invalid("dc.addr must be a string", backend);
	checkAuthKey(dc, backend);
	return { ...dc };
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

function checkedPeer(peer: CachedPeer, backend: string): void {
	if (typeof peer !== "object" || peer === null) throw invalid("a peer must be an object", backend);
	if (!PEER_KINDS.has(peer.kind)) throw invalid(`unknown peer kind ${String(peer.kind)}`, backend);
	check.i64(peer.id, "peer id", backend);
	check.i64(peer.accessHash, "access hash", backend);
	if (peer.channelKind !== null && !CHANNEL_KINDS.has(peer.channelKind))
		throw invalid(`unknown channel kind ${String(peer.channelKind)}`, backend);
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
	for (const p of peers) checkedPeer(p, backend);
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
