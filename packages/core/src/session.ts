import {
	clonePeer,
	IdentifierOwners,
	normalizePhone,
	normalizeUsername,
	peerMetaEqual,
	settleIdentifiers,
} from "./extensions.js";
import type { SecretBytes } from "./secret.js";
import {
	type CachedMinPeer,
	type CachedPeer,
	type ChannelPts,
	type DcEntry,
	DcFlags,
	type PeerKind,
	type PersistedSession,
	type UpdateStateChange,
	type UpdatesState,
} from "./types.js";

/** A session with nothing in it: home DC 0, no DCs, zero counters, empty caches. */
export function emptySession(): PersistedSession {
	return {
		homeDcId: 0,
		dcs: [],
		updatesState: emptyUpdatesState(),
		peers: [],
		minPeers: [],
		futureAuthToken: null,
	};
}

/** An update state with every counter at 0 and no channels: what a fresh session starts with. */
export function emptyUpdatesState(): UpdatesState {
	return { pts: 0, qts: 0, date: 0, seq: 0, channels: [] };
}

/**
 * A deep copy. Secrets are immutable and shared. Use this rather than `structuredClone`,
 * which cannot copy {@link SecretBytes}.
 */
export function cloneSession(session: PersistedSession): PersistedSession {
	const copy: PersistedSession = {
		homeDcId: session.homeDcId,
		dcs: session.dcs.map((dc) => ({ ...dc })),
		updatesState: cloneUpdatesState(session.updatesState),
		peers: session.peers.map(clonePeer),
		minPeers: session.minPeers.map((m) => ({ ...m })),
		futureAuthToken: session.futureAuthToken,
	};
	if (session.extensions?.size) copy.extensions = new Map(session.extensions);
	return copy;
}

/** A deep copy of an update state (its channel list included). */
export function cloneUpdatesState(state: UpdatesState): UpdatesState {
	return { ...state, channels: state.channels.map((c) => ({ ...c })) };
}

/** The bits that tell DC entries of one `dcId` apart: IPv6, media-only and CDN. */
export const DC_SLOT_MASK: number = DcFlags.IPV6 | DcFlags.MEDIA_ONLY | DcFlags.CDN;

/**
 * Two DC entries are the same slot when their `dcId` and their IPv6, media-only and CDN bits
 * match. (The reference matches on the IPv6 bit alone in memory and on the whole flags byte in
 * SQL, so a media entry could replace the main one; we keep them apart and ignore the
 * TCPO-only and static attribute bits.)
 */
export function sameDcSlot(
	a: Pick<DcEntry, "dcId" | "flags">,
	b: Pick<DcEntry, "dcId" | "flags">,
): boolean {
	return a.dcId === b.dcId && (a.flags & DC_SLOT_MASK) === (b.flags & DC_SLOT_MASK);
}

/** Replaces the entry in the same slot (see {@link sameDcSlot}) or appends. Mutates `session`. */
export function upsertDc(session: PersistedSession, dc: DcEntry): void {
	const i = session.dcs.findIndex((d) => sameDcSlot(d, dc));
	if (i >= 0) session.dcs[i] = { ...dc };
	else session.dcs.push({ ...dc });
}

/**
 * The first entry for `dcId` whose IPv6 bit matches `preferIpv6`, else the first entry for
 * `dcId` (which may be media or CDN), else `undefined`.
 */
export function dcFor(
	session: PersistedSession,
	dcId: number,
	preferIpv6 = false,
): DcEntry | undefined {
	const all = allDcsFor(session, dcId);
	return all.find((d) => ((d.flags & DcFlags.IPV6) !== 0) === preferIpv6) ?? all[0];
}

/** Every entry for `dcId`, in table order. */
export function allDcsFor(session: PersistedSession, dcId: number): DcEntry[] {
	return session.dcs.filter((d) => d.dcId === dcId);
}

/** True when the entry's address is IPv6 (flag bit 0). */
export function isIpv6(dc: Pick<DcEntry, "flags">): boolean {
	return (dc.flags & DcFlags.IPV6) !== 0;
}

/** Builds an address: `ip:port`, or `[ip]:port` when the IP contains `:`. */
export function formatDcAddress(ip: string, port: number): string {
	return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits `ip:port` / `[ip6]:port`; `undefined` when it does not parse. */
export function parseDcAddress(addr: string): { ip: string; port: number } | undefined {
	const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(addr) ?? /^([^:[\]]+):(\d{1,5})$/.exec(addr);
	if (!m) return undefined;
	const port = Number(m[2]);
	return port <= 65535 ? { ip: m[1] as string, port } : undefined;
}

/** A string key for a peer's identity `(kind, id)`. */
export function peerKey(kind: PeerKind, id: bigint): string {
	return `${kind}:${id}`;
}

/**
 * Merges `incoming` into `existing` for the same `(kind, id)`: a zero access hash never
 * replaces a known one (a min sighting must not erase a usable hash), an unknown
 * channel kind never replaces a known one, and metadata, when `incoming` has any, replaces
 * the stored metadata whole.
 */
export function mergePeer(existing: CachedPeer | undefined, incoming: CachedPeer): CachedPeer {
	return existing ? mergeOwnedPeer(existing, clonePeer(incoming)) : clonePeer(incoming);
}

/** {@link mergePeer} with an `incoming` copy the caller gives up (its metadata is kept as is). */
function mergeOwnedPeer(existing: CachedPeer, incoming: CachedPeer): CachedPeer {
	const merged: CachedPeer = {
		kind: incoming.kind,
		id: incoming.id,
		accessHash: incoming.accessHash !== 0n ? incoming.accessHash : existing.accessHash,
		channelKind: incoming.channelKind ?? existing.channelKind,
	};
	// the stored metadata is never changed in place, so keeping it needs no copy
	const meta = incoming.meta ?? existing.meta;
	if (meta) merged.meta = meta;
	return merged;
}

/**
 * Caches peers, matching on `(kind, id)` and merging with {@link mergePeer}; usernames and
 * phones the batch claims are taken from any other peer. Mutates `session`.
 */
export function upsertPeers(session: PersistedSession, peers: readonly CachedPeer[]): void {
	upsertPreparedPeers(session, peers.map(clonePeer));
}

/**
 * Where each peer of a session's peer list is, and who owns each username and phone, kept from
 * one batch to the next so a small batch into a large session costs the batch, not the session.
 * Valid for one array, changed only through {@link upsertPreparedPeers}.
 */
export class PeerIndex {
	readonly peers: CachedPeer[];
	/** Position of each peer, by kind then bare id (a kind added on first use). */
	readonly #at = new Map<PeerKind, Map<bigint, number>>();
	#owners: IdentifierOwners | undefined;

	constructor(peers: CachedPeer[]) {
		this.peers = peers;
		for (let i = 0; i < peers.length; i++) {
			const p = peers[i] as CachedPeer;
			const at = this.#ids(p.kind);
			if (!at.has(p.id)) at.set(p.id, i);
		}
	}

	#ids(kind: PeerKind): Map<bigint, number> {
		let ids = this.#at.get(kind);
		if (!ids) {
			ids = new Map();
			this.#at.set(kind, ids);
		}
		return ids;
	}

	/** The index for `session`'s peer list: `known` when it is for that same array. */
	static of(session: PersistedSession, known: PeerIndex | undefined): PeerIndex {
		return known?.peers === session.peers ? known : new PeerIndex(session.peers);
	}

	/** The first peer of `(kind, id)`, as {@link findPeer} finds it. */
	peer(kind: PeerKind, id: bigint): CachedPeer | undefined {
		const i = this.#at.get(kind)?.get(id);
		return i === undefined ? undefined : this.peers[i];
	}

	/** The peer that owns `username` (any case, `@` optional), as {@link findPeerByUsernameIn}. */
	byUsername(username: string): CachedPeer | undefined {
		const n = normalizeUsername(username);
		if (n.length === 0) return undefined;
		const owners = this.#ownersIndex();
		if (owners.shared) return this.peers.find((p) => p.meta?.usernames.includes(n));
		const i = owners.ownerOfUsername(n);
		return i === undefined ? undefined : this.peers[i];
	}

	/** The peer whose phone is `phone` (compared as digits), as {@link findPeerByPhoneIn}. */
	byPhone(phone: string): CachedPeer | undefined {
		const n = normalizePhone(phone);
		if (n.length === 0) return undefined;
		const owners = this.#ownersIndex();
		if (owners.shared) return this.peers.find((p) => p.meta?.phone === n);
		const i = owners.ownerOfPhone(n);
		return i === undefined ? undefined : this.peers[i];
	}

	#ownersIndex(): IdentifierOwners {
		this.#owners ??= new IdentifierOwners(this.peers);
		return this.#owners;
	}

	/** Puts `peer` (a copy the caller gives up) in the list, merged, and claims its identifiers. */
	upsert(peer: CachedPeer): void {
		const at = this.#ids(peer.kind);
		let i = at.get(peer.id);
		if (i === undefined) {
			i = this.peers.length;
			at.set(peer.id, i);
			this.peers.push(peer);
		} else {
			this.peers[i] = mergeOwnedPeer(this.peers[i] as CachedPeer, peer);
		}
		// claimed at once, so a batch means the same as its peers cached one by one
		if (peer.meta) {
			this.#owners ??= new IdentifierOwners(this.peers, new Set([i]));
			this.#owners.claim(i);
		}
	}
}

/**
 * {@link upsertPeers} for copies the caller gives up (prepared by a backend), with an index
 * kept between calls (see {@link PeerIndex}).
 */
export function upsertPreparedPeers(
	session: PersistedSession,
	peers: readonly CachedPeer[],
	index?: PeerIndex,
): void {
	if (peers.length === 0) return;
	const at = PeerIndex.of(session, index);
	for (const peer of peers) at.upsert(peer);
}

/** Finds a cached peer by `(kind, id)`. */
export function findPeer(
	session: PersistedSession,
	kind: PeerKind,
	id: bigint,
): CachedPeer | undefined {
	return session.peers.find((p) => p.kind === kind && p.id === id);
}

/** Replaces the min-peer context of the same user or appends it. Mutates `session`. */
export function upsertMinPeer(session: PersistedSession, minPeer: CachedMinPeer): void {
	const i = session.minPeers.findIndex((m) => m.userId === minPeer.userId);
	if (i >= 0) session.minPeers[i] = { ...minPeer };
	else session.minPeers.push({ ...minPeer });
}

/** The pts of a channel, or 0 when unknown. */
export function channelPts(state: UpdatesState, channelId: bigint): number {
	return state.channels.find((c) => c.channelId === channelId)?.pts ?? 0;
}

/** Updates the channel's pts or appends it. Mutates `state`. */
export function setChannelPts(state: UpdatesState, channelId: bigint, pts: number): void {
	const entry = state.channels.find((c) => c.channelId === channelId);
	if (entry) entry.pts = pts;
	else state.channels.push({ channelId, pts });
}

/** A copy of a change, so a caller changing its object after the call cannot reach the store. */
export function cloneUpdateStateChange(change: UpdateStateChange): UpdateStateChange {
	return change.type === "all"
		? { type: "all", state: cloneUpdatesState(change.state) }
		: { ...change };
}

/** Applies a change to the update counters as the reference's `apply_to` does. Mutates `state`. */
export function applyUpdateStateChange(state: UpdatesState, change: UpdateStateChange): void {
	switch (change.type) {
		case "all":
			state.pts = change.state.pts;
			state.qts = change.state.qts;
			state.date = change.state.date;
			state.seq = change.state.seq;
			state.channels = change.state.channels.map((c) => ({ ...c }));
			return;
		case "primary":
			state.pts = change.pts;
			state.date = change.date;
			state.seq = change.seq;
			return;
		case "secondary":
			state.qts = change.qts;
			return;
		case "channel":
			setChannelPts(state, change.channelId, change.pts);
			return;
	}
}

/**
 * Collapses entries with the same identity, the last one winning, in first-seen order:
 * DCs by slot, peers by `(kind, id)`, min peers by user id, channel pts by channel id.
 * Backends keyed by identity (SQL, Redis) store what this returns.
 */
export function normalizeSession(session: PersistedSession): PersistedSession {
	const dcs = dedupe(session.dcs, (d) => `${d.dcId}/${d.flags & DC_SLOT_MASK}`);
	const peers = dedupe(session.peers, (p) => peerKey(p.kind, p.id));
	const minPeers = dedupe(session.minPeers, (m) => m.userId);
	const channels: ChannelPts[] = dedupe(session.updatesState.channels, (c) => c.channelId);
	if (peers.some((p) => p.meta)) settleIdentifiers(peers);
	const normalized: PersistedSession = {
		homeDcId: session.homeDcId,
		dcs,
		updatesState: { ...session.updatesState, channels },
		peers,
		minPeers,
		futureAuthToken: session.futureAuthToken,
	};
	if (session.extensions?.size) normalized.extensions = new Map(session.extensions);
	return normalized;
}

function dedupe<T extends object, K>(items: readonly T[], key: (item: T) => K): T[] {
	const byKey = new Map<K, T>();
	for (const item of items) {
		const k = key(item);
		if (byKey.has(k)) byKey.delete(k);
		byKey.set(k, { ...item });
	}
	if (byKey.size === items.length) return items.map((i) => ({ ...i }));
	// keep first-seen order of the surviving identities
	const order = new Map<K, number>();
	items.forEach((item, i) => {
		const k = key(item);
		if (!order.has(k)) order.set(k, i);
	});
	return [...byKey.entries()]
		.sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0))
		.map((e) => e[1]);
}

/**
 * A copy with every list sorted by identity, for comparing sessions whose backends do not
 * keep entry order (the reference's own order is not deterministic either).
 */
export function canonicalSession(session: PersistedSession): PersistedSession {
	const s = cloneSession(session);
	const big = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
	s.dcs.sort(
		(a, b) =>
			a.dcId - b.dcId || a.flags - b.flags || (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0),
	);
	s.peers.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : big(a.id, b.id)));
	s.minPeers.sort((a, b) => big(a.userId, b.userId));
	s.updatesState.channels.sort((a, b) => big(a.channelId, b.channelId));
	return s;
}

/** Deep equality; with `ordered: false` (the default) list order is ignored. */
export function sessionsEqual(
	a: PersistedSession,
	b: PersistedSession,
	options: { ordered?: boolean } = {},
): boolean {
	const [x, y] = options.ordered ? [a, b] : [canonicalSession(a), canonicalSession(b)];
	if (x.homeDcId !== y.homeDcId || !secretsEqual(x.futureAuthToken, y.futureAuthToken))
		return false;
	if (!statesEqual(x.updatesState, y.updatesState)) return false;
	if (x.dcs.length !== y.dcs.length || x.peers.length !== y.peers.length) return false;
	if (x.minPeers.length !== y.minPeers.length) return false;
	for (let i = 0; i < x.dcs.length; i++) {
		const d = x.dcs[i] as DcEntry;
		const e = y.dcs[i] as DcEntry;
		if (d.dcId !== e.dcId || d.addr !== e.addr || d.firstSalt !== e.firstSalt) return false;
		if (d.timeOffset !== e.timeOffset || d.flags !== e.flags || !secretsEqual(d.authKey, e.authKey))
			return false;
	}
	for (let i = 0; i < x.peers.length; i++) {
		const p = x.peers[i] as CachedPeer;
		const q = y.peers[i] as CachedPeer;
		if (
			p.kind !== q.kind ||
			p.id !== q.id ||
			p.accessHash !== q.accessHash ||
			p.channelKind !== q.channelKind ||
			!peerMetaEqual(p.meta, q.meta)
		)
			return false;
	}
	if (!extensionsEqual(x.extensions, y.extensions)) return false;
	for (let i = 0; i < x.minPeers.length; i++) {
		const m = x.minPeers[i] as CachedMinPeer;
		const n = y.minPeers[i] as CachedMinPeer;
		if (m.userId !== n.userId || m.peerId !== n.peerId || m.msgId !== n.msgId) return false;
	}
	return true;
}

function statesEqual(a: UpdatesState, b: UpdatesState): boolean {
	if (a.pts !== b.pts || a.qts !== b.qts || a.date !== b.date || a.seq !== b.seq) return false;
	if (a.channels.length !== b.channels.length) return false;
	return a.channels.every(
		(c, i) => c.channelId === b.channels[i]?.channelId && c.pts === b.channels[i]?.pts,
	);
}

function extensionsEqual(
	a: Map<string, SecretBytes> | undefined,
	b: Map<string, SecretBytes> | undefined,
): boolean {
	if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
	for (const [key, value] of a ?? []) {
		const other = b?.get(key);
		if (!other || !value.equals(other)) return false;
	}
	return true;
}

function secretsEqual(a: SecretBytes | null, b: SecretBytes | null): boolean {
	if (a === null || b === null) return a === b;
	return a.equals(b);
}
