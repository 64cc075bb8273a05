import type { CHANNEL_KINDS, PEER_KINDS } from "./kinds.js";
import type { SecretBytes } from "./secret.js";

/** DC capability bits, laid out as in tdesktop's DcOption (FORMAT.md §2.2). Bits 5–7 are kept as-is. */
export const DcFlags = {
	NONE: 0x00,
	IPV6: 0x01,
	MEDIA_ONLY: 0x02,
	TCPO_ONLY: 0x04,
	CDN: 0x08,
	STATIC: 0x10,
} as const;

/** One entry of the DC address table. Several entries may share a `dcId` (IPv4, IPv6, media, CDN). */
export interface DcEntry {
	dcId: number;
	/** `"ip:port"`, or `"[ipv6]:port"` for IPv6. */
	addr: string;
	/** The 2048-bit (256-byte) MTProto auth key, or `null` when the DC has none yet. */
	authKey: SecretBytes | null;
	/** Server salt to start with (i64). */
	firstSalt: bigint;
	/** server_time − local_time in seconds (i32). */
	timeOffset: number;
	/** Raw {@link DcFlags} byte (0–255). */
	flags: number;
}

/** Per-channel pts. */
export interface ChannelPts {
	channelId: bigint;
	pts: number;
}

/** Update counters used to catch up after a restart. All i32; `date` in unix seconds. */
export interface UpdatesState {
	pts: number;
	qts: number;
	date: number;
	seq: number;
	channels: ChannelPts[];
}

/** What kind of channel a channel peer is (their stored codes: `CHANNEL_KIND_CODE` in kinds.ts). */
export const ChannelKind = {
	Broadcast: "broadcast",
	Megagroup: "megagroup",
	Gigagroup: "gigagroup",
} as const satisfies Record<string, (typeof CHANNEL_KINDS)[number]>;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * The kind of a cached peer. A peer's identity is `(kind, id)`: bare ids of different
 * kinds can be equal and never overwrite each other.
 */
export type PeerKind = (typeof PEER_KINDS)[number];

/** An entry of the access-hash cache. */
export interface CachedPeer {
	kind: PeerKind;
	/** Bare (positive) peer id. */
	id: bigint;
	/** 0 for basic chats and for "min" channels whose hash is unknown. */
	accessHash: bigint;
	/** For channels; `null` when unknown. */
	channelKind: ChannelKind | null;
	/**
	 * Client metadata beside the ferogram entry (usernames, phone, name...). Absent for a plain
	 * ferogram peer; when given to `cachePeers` it replaces the peer's stored metadata.
	 */
	meta?: PeerMeta;
}

/**
 * What clients such as GramJS and mtcute keep about a peer beyond its access hash. It travels in
 * the extension trailer of the binary format and in extra tables or keys of the other backends.
 */
export interface PeerMeta {
	/**
	 * Case-folded usernames without `@`. A username belongs to one peer at a time: caching it on
	 * another peer removes it here.
	 */
	usernames: string[];
	/** Digits only (`+`, spaces and punctuation removed), or `null`. Also unique per session. */
	phone: string | null;
	/** Display name ("First Last" or the title), or `null`. */
	name: string | null;
	/** When the client last saw the peer, in unix milliseconds; 0 when unknown. */
	updatedAt: number;
	/** The access hash was seen on a "min" object and cannot be used everywhere. */
	isMin: boolean;
	/** A client's own serialized peer object (for example mtcute's `complete`), or `null`. */
	data: Uint8Array | null;
}

/** Context to address a "min" user through a message that mentioned it. */
export interface CachedMinPeer {
	userId: bigint;
	/** The chat, channel or user that contained the message. */
	peerId: bigint;
	msgId: number;
}

/** Everything an MTProto client must remember across restarts (ferogram's PersistedSession). */
export interface PersistedSession {
	homeDcId: number;
	dcs: DcEntry[];
	updatesState: UpdatesState;
	peers: CachedPeer[];
	minPeers: CachedMinPeer[];
	/** Token from `auth.logOut`, replayed in `auth.sendCode`. */
	futureAuthToken: SecretBytes | null;
	/**
	 * Client data the ferogram model has no place for, under namespaced keys (`mtcute:…`,
	 * `gramjs:…`). Values are secrets (they may hold temporary auth keys). Absent or empty for a
	 * plain ferogram session, which then encodes exactly as before.
	 */
	extensions?: Map<string, SecretBytes>;
}

/**
 * What {@link SessionBackend.load} reads. `{ peers: false }` is what a client needs to start: the
 * DCs and auth keys, the home DC, the update state, the min-peer contexts, the future auth token
 * and the extension values, with `peers: []` — the peer cache (and its metadata) is left in
 * storage, for `getPeer` and `findPeerBy*` to read one at a time. On a backend with
 * `capabilities.nativeLookups` that costs the same at 1k peers and at 1M; on the others it still
 * reads the whole session and drops the peers.
 */
export interface LoadOptions {
	/** Read the peer cache too; default `true`. */
	peers?: boolean;
}

/** A change to the update counters, passed to {@link SessionBackend.applyUpdateState}. */
export type UpdateStateChange =
	/** Replaces the whole state, channel list included. */
	| { type: "all"; state: UpdatesState }
	/** Sets pts, date and seq; qts and channels unchanged. */
	| { type: "primary"; pts: number; date: number; seq: number }
	/** Sets qts only. */
	| { type: "secondary"; qts: number }
	/** Updates one channel's pts, or appends it. */
	| { type: "channel"; channelId: bigint; pts: number };

/** Diagnostics about a session; contains no secrets. */
export interface SessionStats {
	homeDcId: number;
	dcsTotal: number;
	dcsWithAuthKey: number;
	peersTotal: number;
	peersUsers: number;
	peersChats: number;
	peersChannels: number;
	peersCommunities: number;
	/** Channels cached with access hash 0. */
	peersMinChannels: number;
	minPeers: number;
	channelPtsEntries: number;
	updatesInitialised: boolean;
	/** Length of the v8 encoding. */
	approxBytes: number;
}

/** Changes written together by SessionBackend.applyChanges: all of them or none. */
export interface SessionChanges {
	/** Upserted by slot, as updateDc, in order. */
	dcs?: readonly DcEntry[];
	/** As setHomeDc. */
	homeDcId?: number;
	/** Applied in order, as applyUpdateState. */
	updateState?: readonly UpdateStateChange[];
	/** Cached in one batch, as cachePeers (metadata rules included). */
	peers?: readonly CachedPeer[];
	/** Min-peer contexts removed, by user id (before minPeers is applied). */
	deleteMinPeers?: readonly bigint[];
	/** Min-peer contexts upserted by user id. */
	minPeers?: readonly CachedMinPeer[];
	/** Extension keys removed (before setExtensions is applied). */
	deleteExtensions?: readonly string[];
	/** Extension values set, as setExtension. */
	setExtensions?: ReadonlyArray<readonly [key: string, value: Uint8Array | SecretBytes]>;
}
