import {
	type CachedPeer,
	type ChannelPts,
	CorruptSessionError,
	normalizeSession,
	type PersistedSession,
	SecretBytes,
	SessionBackendError,
} from "@x/session-core";
import { prepareSession } from "@x/session-core/backend";
import {
	checkI32,
	checkI64,
	checkLayoutVersion,
	dcField,
	packDc,
	packMinPeer,
	packPeer,
	packPeerMeta,
	parseI32,
	parseI64,
	peerField,
	secretOf,
	unpackDc,
	unpackMinPeer,
	unpackPeer,
	unpackPeerMeta,
} from "./codec.js";
import { BACKEND, type DATA_PARTS } from "./keys.js";

/** A flat `field, value, field, value, …` list for HSET. */
export type Pairs = (string | Buffer)[];

/** A session turned into hash contents, ready for a full save. */
export interface PackedSession {
	/** home, pts, qts, date, seq as decimal strings. */
	meta: [string, string, string, string, string];
	token: Buffer | null;
	dcs: Pairs;
	chpts: Pairs;
	peers: Pairs;
	minpeers: Pairs;
	ext: Pairs;
	pmeta: Pairs;
	unames: Pairs;
	phones: Pairs;
}

/** Validates and packs a whole session (normalized: one entry per identity, the last one winning). */
export function packSession(session: PersistedSession): PackedSession {
	const s = normalizeSession(prepareSession(session, BACKEND));
	checkI32(s.homeDcId, "homeDcId");
	const st = s.updatesState;
	checkI32(st.pts, "updatesState.pts");
	checkI32(st.qts, "updatesState.qts");
	checkI32(st.date, "updatesState.date");
	checkI32(st.seq, "updatesState.seq");
	if (s.futureAuthToken !== null && !(s.futureAuthToken instanceof SecretBytes)) {
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"futureAuthToken must be SecretBytes or null",
			{ backend: BACKEND },
		);
	}
	const dcs: Pairs = [];
	for (const dc of s.dcs) dcs.push(dcField(dc), packDc(dc));
	const minpeers: Pairs = [];
	for (const m of s.minPeers) minpeers.push(...packMinPeer(m));
	const ext: Pairs = [];
	for (const [key, value] of s.extensions ?? [])
		ext.push(
			key,
			value.read((v) => Buffer.from(v)),
		);
	const pmeta: Pairs = [];
	const unames: Pairs = [];
	const phones: Pairs = [];
	for (const p of s.peers) {
		if (!p.meta) continue;
		const field = peerField(p);
		pmeta.push(field, packPeerMeta(p.meta));
		for (const u of p.meta.usernames) unames.push(u, field);
		if (p.meta.phone !== null) phones.push(p.meta.phone, field);
	}
	return {
		meta: [String(s.homeDcId), String(st.pts), String(st.qts), String(st.date), String(st.seq)],
		token: s.futureAuthToken ? s.futureAuthToken.read((t) => Buffer.from(t)) : null,
		dcs,
		chpts: channelPairs(st.channels),
		peers: peerPairs(s.peers),
		minpeers,
		ext,
		pmeta,
		unames,
		phones,
	};
}

/** `channelId, pts` pairs (decimal). */
export function channelPairs(channels: readonly ChannelPts[]): Pairs {
	const out: Pairs = [];
	for (const c of channels) {
		checkI64(c.channelId, "channelId");
		checkI32(c.pts, "channel pts");
		out.push(String(c.channelId), String(c.pts));
	}
	return out;
}

/** `kind+id, packed value` pairs. */
export function peerPairs(peers: readonly CachedPeer[]): Pairs {
	const out: Pairs = new Array(peers.length * 2);
	let i = 0;
	for (const p of peers) {
		out[i++] = peerField(p);
		out[i++] = packPeer(p);
	}
	return out;
}

/** The hashes as read by HGETALL (field → value). */
export type SessionHashes = Record<(typeof DATA_PARTS)[number], Record<string, Buffer>>;

/** Rebuilds a session from its hashes; `null` when there is no meta hash. Corrupt data throws. */
export function unpackSession(h: SessionHashes): PersistedSession | null {
	if (Object.keys(h.meta).length === 0) return null;
	checkLayoutVersion(h.meta.v);
	const token = h.meta.token;
	const session: PersistedSession = {
		homeDcId: parseI32(h.meta.home, "home DC"),
		dcs: Object.entries(h.dcs).map(([f, v]) => unpackDc(f, v)),
		updatesState: {
			pts: parseI32(h.meta.pts, "pts"),
			qts: parseI32(h.meta.qts, "qts"),
			date: parseI32(h.meta.date, "date"),
			seq: parseI32(h.meta.seq, "seq"),
			channels: Object.entries(h.chpts).map(([f, v]) => ({
				channelId: parseI64(f, "channel id"),
				pts: parseI32(v, "channel pts"),
			})),
		},
		peers: Object.entries(h.peers).map(([f, v]) => unpackPeer(f, v)),
		minPeers: Object.entries(h.minpeers).map(([f, v]) => unpackMinPeer(f, v)),
		futureAuthToken: token === undefined ? null : secretOf(token),
	};
	attachPeerMeta(session, h);
	const ext = Object.entries(h.ext);
	if (ext.length > 0) session.extensions = new Map(ext.map(([k, v]) => [k, secretOf(v)]));
	return session;
}

/** Sets each peer's metadata from `pmeta` and the two indexes; anything dangling is corrupt. */
function attachPeerMeta(session: PersistedSession, h: SessionHashes): void {
	const fields = Object.keys(h.pmeta);
	if (
		fields.length === 0 &&
		Object.keys(h.unames).length === 0 &&
		Object.keys(h.phones).length === 0
	)
		return;
	const usernames = new Map<string, string[]>(fields.map((f) => [f, []]));
	const phones = new Map<string, string>();
	const owner = (field: string, what: string) => {
		if (!usernames.has(field))
			throw new CorruptSessionError(`stored ${what} points to a peer without metadata`, {
				backend: BACKEND,
			});
	};
	for (const [u, f] of Object.entries(h.unames)) {
		const field = f.toString("latin1");
		owner(field, "username index");
		usernames.get(field)?.push(u);
	}
	for (const [phone, f] of Object.entries(h.phones)) {
		const field = f.toString("latin1");
		owner(field, "phone index");
		phones.set(field, phone);
	}
	const peers = new Map(session.peers.map((p) => [peerField(p), p]));
	for (const f of fields) {
		const peer = peers.get(f);
		if (!peer)
			throw new CorruptSessionError("stored peer metadata belongs to no cached peer", {
				backend: BACKEND,
			});
		peer.meta = unpackPeerMeta(
			f,
			h.pmeta[f] as Buffer,
			usernames.get(f) ?? [],
			phones.get(f) ?? null,
		);
	}
}
