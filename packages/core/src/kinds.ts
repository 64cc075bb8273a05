// Peer kinds and channel kinds, and the codes each format stores for them: the one place these
// facts live. Stored codes are explicit tables, never positions in a list, so reordering a list
// cannot change a byte on disk. Each table is fixed by data already written; never renumber one.

/** Every peer kind (see `PeerKind` in types.ts), in the order lists and loops use. */
export const PEER_KINDS = ["user", "chat", "channel", "community"] as const;

/** Every channel kind (see `ChannelKind` in types.ts). */
export const CHANNEL_KINDS = ["broadcast", "megagroup", "gigagroup"] as const;

type PeerKindName = (typeof PEER_KINDS)[number];
type ChannelKindName = (typeof CHANNEL_KINDS)[number];

/** A stored code per kind, and the way back. */
export interface CodeTable<K extends string> {
	/** The code stored for each kind. */
	readonly code: Readonly<Record<K, number>>;
	/** The kind stored as `code`, or `undefined` for a code no kind has. */
	kindOf(code: number): K | undefined;
	/** The kinds indexed by their code (every table's codes run 0, 1, 2, …). */
	readonly byCode: readonly K[];
}

function codeTable<K extends string>(code: Record<K, number>): CodeTable<K> {
	const byCode: K[] = [];
	for (const [kind, c] of Object.entries(code) as [K, number][]) byCode[c] = kind;
	Object.freeze(byCode);
	return { code: Object.freeze(code), kindOf: (c) => byCode[c], byCode };
}

/**
 * The `kind` column of the SQL tables (peers, usernames, peer metadata). Written since the first
 * schema version.
 */
export const SQL_PEER_KIND: CodeTable<PeerKindName> = codeTable({
	user: 0,
	chat: 1,
	channel: 2,
	community: 3,
});

/** The peer kind byte of a peer-metadata entry in the extension trailer (FORMAT.md §4.3). */
export const TRAILER_PEER_KIND: CodeTable<PeerKindName> = codeTable({
	user: 0,
	channel: 1,
	chat: 2,
	community: 3,
});

/**
 * The type byte of a peer entry in the binary format (FORMAT.md §2.4). A community has no code of
 * its own: it is written as a user with the v8 community byte set, and every type byte other
 * than 1 and 2 reads as a user.
 */
export const BINARY_PEER_TYPE: CodeTable<Exclude<PeerKindName, "community">> = codeTable({
	user: 0,
	channel: 1,
	chat: 2,
});

/**
 * The channel kind code, the same in the binary format (v6+; 0xFF for none), SQL and Redis
 * (FORMAT.md §2.4).
 */
export const CHANNEL_KIND_CODE: CodeTable<ChannelKindName> = codeTable({
	broadcast: 0,
	megagroup: 1,
	gigagroup: 2,
});

const PEER_KIND_SET: ReadonlySet<string> = new Set(PEER_KINDS);
const CHANNEL_KIND_SET: ReadonlySet<string> = new Set(CHANNEL_KINDS);

/** True for one of {@link PEER_KINDS} (the one validation every reader and writer uses). */
export function isPeerKind(value: unknown): value is PeerKindName {
	return typeof value === "string" && PEER_KIND_SET.has(value);
}

/** True for one of {@link CHANNEL_KINDS}. */
export function isChannelKind(value: unknown): value is ChannelKindName {
	return typeof value === "string" && CHANNEL_KIND_SET.has(value);
}
