import type { CachedPeer, PeerKind } from "@x/session-core";

/**
 * One GramJS entity row: marked id (a string: user `123`, chat `-123`, channel `-100123`),
 * access hash (a big-integer, 0 for basic chats), lower-case username, phone, display name.
 */
export type EntityRow = [
	markedId: string,
	hash: unknown,
	username?: string | undefined,
	phone?: string | undefined,
	name?: string | undefined,
];

/** The typed peer of a marked id, as GramJS's `resolveId` reads it; `undefined` when it is not one. */
export function peerOfMarkedId(marked: string): { kind: PeerKind; id: bigint } | undefined {
	if (!/^-?\d{1,20}$/.test(marked)) return undefined;
	if (!marked.startsWith("-")) return { kind: "user", id: BigInt(marked) };
	// "-100" followed by a non-zero digit is a channel; any other negative id is a basic chat
	const channel = /^-100([1-9]\d*)$/.exec(marked);
	if (channel) return { kind: "channel", id: BigInt(channel[1] as string) };
	return { kind: "chat", id: -BigInt(marked) };
}

/** The marked id GramJS uses for a typed peer (communities are not GramJS peers). */
export function markedIdOf(peer: Pick<CachedPeer, "kind" | "id">): string | undefined {
	switch (peer.kind) {
		case "user":
			return String(peer.id);
		case "chat":
			return String(-peer.id);
		case "channel":
			return `-100${peer.id}`;
		default:
			return undefined;
	}
}

/** A GramJS row as a typed peer with its username, phone and display name as metadata. */
export function peerOfRow(row: EntityRow, now: number): CachedPeer | undefined {
	const typed = peerOfMarkedId(String(row[0]));
	if (!typed) return undefined;
	const hash = BigInt.asIntN(64, hashOf(row[1]));
	const username = row[2] ? String(row[2]).toLowerCase() : undefined;
	// fields listed one by one: a spread here cost more than the rest of the conversion
	return {
		kind: typed.kind,
		id: typed.id,
		accessHash: typed.kind === "chat" ? 0n : hash,
		channelKind: null,
		meta: {
			usernames: username ? [username] : [],
			phone: row[3] ? String(row[3]) : null,
			name: row[4] ? String(row[4]) : null,
			updatedAt: now,
			isMin: false,
			data: null,
		},
	};
}

/**
 * An access hash as a bigint. GramJS's big-integer values wrap a native bigint in `value` where
 * the engine has one, which saves a decimal round trip per peer; anything else goes through text.
 */
function hashOf(value: unknown): bigint {
	if (typeof value === "bigint") return value;
	const native = (value as { value?: unknown } | null | undefined)?.value;
	if (typeof native === "bigint") return native;
	return BigInt(String(value ?? 0));
}

/** The GramJS row of a cached peer (hash as a decimal string; the caller wraps it). */
export function rowOfPeer(peer: CachedPeer): EntityRow | undefined {
	const marked = markedIdOf(peer);
	if (marked === undefined) return undefined;
	const meta = peer.meta;
	return [
		marked,
		String(peer.accessHash),
		meta?.usernames[0],
		meta?.phone ?? undefined,
		meta?.name ?? undefined,
	];
}
