import type { CachedPeer, PeerKind } from "@x/session-core";
import { normalizePhone } from "@x/session-core/backend";

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
	const kind = kindOfMarkedId(marked);
	return kind && { kind, id: idOfMarkedId(kind, marked) };
}

/**
 * The kind of a marked id (`-?\d{1,20}`): a user without a sign, a channel for "-100" followed by
 * a non-zero digit, any other negative id a basic chat. Read by character, not by pattern: it runs
 * once per peer in every write-behind flush.
 */
function kindOfMarkedId(marked: string): PeerKind | undefined {
	const n = marked.length;
	const signed = n > 0 && marked.charCodeAt(0) === 45; // "-"
	const digits = signed ? n - 1 : n;
	if (digits < 1 || digits > 20) return undefined;
	for (let i = signed ? 1 : 0; i < n; i++) {
		const c = marked.charCodeAt(i);
		if (c < 48 || c > 57) return undefined;
	}
	if (!signed) return "user";
	return n > 4 && marked.startsWith("-100") && marked.charCodeAt(4) !== 48 ? "channel" : "chat";
}

function idOfMarkedId(kind: PeerKind, marked: string): bigint {
	if (kind === "user") return BigInt(marked);
	if (kind === "channel") return BigInt(marked.slice(4));
	return -BigInt(marked);
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
	const marked = typeof row[0] === "string" ? row[0] : String(row[0]);
	const kind = kindOfMarkedId(marked);
	if (!kind) return undefined;
	const username = row[2] ? String(row[2]).toLowerCase() : undefined;
	// fields listed one by one: a spread here cost more than the rest of the conversion
	return {
		kind,
		id: idOfMarkedId(kind, marked),
		accessHash: kind === "chat" ? 0n : BigInt.asIntN(64, hashOf(row[1])),
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
export function hashOf(value: unknown): bigint {
	if (typeof value === "bigint") return value;
	const native = (value as { value?: unknown } | null | undefined)?.value;
	if (typeof native === "bigint") return native;
	return BigInt(String(value ?? 0));
}

/** The GramJS row of a cached peer (hash as a bigint; the session hands it out as text). */
export function rowOfPeer(peer: CachedPeer): EntityRow | undefined {
	const marked = markedIdOf(peer);
	if (marked === undefined) return undefined;
	const meta = peer.meta;
	return [
		marked,
		peer.accessHash,
		meta?.usernames[0],
		meta?.phone ?? undefined,
		meta?.name ?? undefined,
	];
}

/**
 * The form a phone is indexed and stored in (digits only), `undefined` for none. GramJS's phones
 * are digits already, which is checked without building a new string.
 */
export function phoneKey(phone: unknown): string | undefined {
	if (!phone) return undefined;
	const text = typeof phone === "string" ? phone : String(phone);
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c < 48 || c > 57) return normalizePhone(text) || undefined;
	}
	return text;
}
