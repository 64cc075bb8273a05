// Sessions as IndexedDB records. Values are structured clones: bigints and Uint8Arrays are kept
// as they are; SecretBytes (a class with a private field) is stored as its bytes.
import {
	type CachedMinPeer,
	type CachedPeer,
	type DcEntry,
	emptySession,
	type PeerKind,
	type PersistedSession,
	SecretBytes,
	type UpdatesState,
} from "@x/session-core";

type DcRecord = Omit<DcEntry, "authKey"> & { authKey: Uint8Array | null };

/** Everything of a session but its peers and extension values. */
export interface HeadRecord {
	homeDcId: number;
	dcs: DcRecord[];
	updatesState: UpdatesState;
	minPeers: CachedMinPeer[];
	futureAuthToken: Uint8Array | null;
}

/** A cached peer, with the index keys of its usernames and phone. */
export interface PeerRecord {
	peer: CachedPeer;
	u: [string, string][];
	p?: [string, string];
}

/** The key of peer `(kind, id)` of a session. */
export function peerKey(sessionId: string, kind: PeerKind, id: bigint): [string, string, string] {
	return [sessionId, kind, id.toString()];
}

export function toHead(session: PersistedSession): HeadRecord {
	return {
		homeDcId: session.homeDcId,
		dcs: session.dcs.map((dc) => ({ ...dc, authKey: dc.authKey?.expose() ?? null })),
		updatesState: { ...session.updatesState, channels: [...session.updatesState.channels] },
		minPeers: session.minPeers,
		futureAuthToken: session.futureAuthToken?.expose() ?? null,
	};
}

/** A session holding the head's fields and no peers. */
export function fromHead(head: HeadRecord | undefined): PersistedSession {
	if (!head) return emptySession();
	return {
		homeDcId: head.homeDcId,
		dcs: head.dcs.map((dc) => ({ ...dc, authKey: dc.authKey && new SecretBytes(dc.authKey) })),
		updatesState: head.updatesState,
		peers: [],
		minPeers: head.minPeers,
		futureAuthToken: head.futureAuthToken && new SecretBytes(head.futureAuthToken),
	};
}

export function toPeerRecord(sessionId: string, peer: CachedPeer): PeerRecord {
	const record: PeerRecord = {
		peer,
		u: (peer.meta?.usernames ?? []).map((u): [string, string] => [sessionId, u]),
	};
	if (peer.meta?.phone) record.p = [sessionId, peer.meta.phone];
	return record;
}
