import type { CachedPeer, PeerMeta } from "@x/session-core";
import { normalizePhone, normalizeUsername } from "@x/session-core/backend";

/** A username as Telegram spells them, folded: the only kind kept from a foreign file. */
const USERNAME = /^[a-z0-9_]{1,64}$/;
/** Longest name the model stores, in UTF-8 bytes. */
const MAX_NAME_BYTES = 65535;

/** The cells of a Telethon `entities` or Pyrogram `peers` row besides the id and hash. */
export interface ForeignPeerCells {
	username: string | null;
	/** Telethon's `phone` column has integer affinity: a bigint when SQLite stored digits. */
	phone: string | bigint | null;
	name: string | null;
	/** Unix seconds of the row's last update (Telethon `date`, Pyrogram `last_update_on`). */
	date: bigint | number | null;
}

/**
 * The metadata of a foreign peer row, or `undefined` when it holds no username, phone or name.
 * A value the model cannot store (a username outside Telegram's alphabet, a phone over 32
 * digits, a name over 65535 bytes) is left out rather than refusing the whole file; the
 * second result says whether anything was.
 */
export function peerMetaOf(cells: ForeignPeerCells): { meta?: PeerMeta; dropped: boolean } {
	let dropped = false;
	let username: string | null = null;
	if (cells.username) {
		const folded = normalizeUsername(cells.username);
		if (USERNAME.test(folded)) username = folded;
		else dropped = true;
	}
	let phone: string | null = null;
	if (cells.phone !== null && cells.phone !== "") {
		const digits = normalizePhone(String(cells.phone));
		if (digits.length >= 1 && digits.length <= 32) phone = digits;
		else dropped = true;
	}
	let name: string | null = null;
	if (cells.name) {
		if (new TextEncoder().encode(cells.name).length <= MAX_NAME_BYTES) name = cells.name;
		else dropped = true;
	}
	if (username === null && phone === null && name === null) return { dropped };
	const seconds = typeof cells.date === "bigint" ? Number(cells.date) : (cells.date ?? 0);
	const updatedAt = Number.isFinite(seconds) && seconds > 0 ? Math.trunc(seconds) * 1000 : 0;
	return {
		meta: {
			usernames: username === null ? [] : [username],
			phone,
			name,
			updatedAt: Number.isSafeInteger(updatedAt) ? updatedAt : 0,
			isMin: false,
			data: null,
		},
		dropped,
	};
}

/** A peer's Telethon `entities` cells (first username, phone, name, date in seconds). */
export function telethonCellsOf(peer: CachedPeer): {
	username: string | null;
	phone: string | null;
	name: string | null;
	date: number | null;
} {
	const meta = peer.meta;
	if (!meta) return { username: null, phone: null, name: null, date: null };
	return {
		username: meta.usernames[0] ?? null,
		phone: meta.phone,
		name: meta.name,
		date: meta.updatedAt > 0 ? Math.floor(meta.updatedAt / 1000) : null,
	};
}
