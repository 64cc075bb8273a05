import { check, utf8Length } from "./codec/bytes.js";
import { SessionBackendError } from "./errors.js";
import { isChannelKind, isPeerKind } from "./kinds.js";
import { SecretBytes } from "./secret.js";
import type { CachedPeer, PeerKind, PeerMeta, PersistedSession } from "./types.js";

/** Longest extension key, in UTF-8 bytes. */
export const MAX_EXTENSION_KEY_BYTES = 255;
/** Largest extension value and largest per-peer `data`, in bytes. */
export const MAX_EXTENSION_VALUE_BYTES = 16 * 1024 * 1024;

/** `"@Durov"` → `"durov"`: the form usernames are stored and looked up in. */
export function normalizeUsername(username: string): string {
	return username.trim().replace(/^@/, "").toLowerCase();
}

/** `"+1 (555) 010-99"` → `"155501099"`: the form phone numbers are stored and looked up in. */
export function normalizePhone(phone: string): string {
	return phone.replace(/\D/g, "");
}

/** A username already in stored form, in Telegram's alphabet. */
const STORED_USERNAME = /^[a-z0-9_]{1,64}$/;
/** A phone already in stored form. */
const STORED_PHONE = /^\d{1,32}$/;

/** Longest username and phone, in UTF-8 bytes: the trailer stores each length in one byte. */
const MAX_IDENTIFIER_BYTES = 255;
/** Longest peer name, in UTF-8 bytes: the trailer stores its length in two. */
const MAX_NAME_BYTES = 0xffff;

/**
 * A validated copy in stored form: usernames folded and deduplicated, the phone reduced to
 * digits (empty → `null`), `data` copied. Throws `INVALID_ARGUMENT` for values no backend can
 * store faithfully.
 */
export function normalizePeerMeta(meta: PeerMeta, backend: string, slab?: ByteSlab): PeerMeta {
	const stored = storedForm(meta);
	if (typeof stored === "string") throw invalidMeta(stored, backend);
	return {
		usernames: stored.usernames,
		phone: stored.phone,
		name: meta.name,
		updatedAt: meta.updatedAt,
		isMin: meta.isMin,
		data: meta.data && (slab ? slab.copy(meta.data) : meta.data.slice()),
	};
}

/**
 * Why `save()` on every backend would refuse `meta` (as `peer metadata: <reason>`), or `null`.
 * The codec asks this of what it decodes and encodes, so a session that loads can be saved.
 */
export function peerMetaProblem(meta: PeerMeta): string | null {
	const stored = storedForm(meta);
	return typeof stored === "string" ? stored : null;
}

/** `meta`'s usernames and phone in stored form, or why it cannot be stored. */
function storedForm(meta: PeerMeta): { usernames: string[]; phone: string | null } | string {
	if (!Array.isArray(meta.usernames)) return "usernames must be an array";
	const usernames: string[] = [];
	for (const u of meta.usernames) {
		if (typeof u !== "string") return "every username must be a string";
		let n = u;
		// the usual case (already folded, in Telegram's alphabet) needs no rewriting or checking
		if (!STORED_USERNAME.test(u)) {
			n = normalizeUsername(u);
			// bytes, as the trailer counts them: folding can lengthen one ("İ" is 2, "i̇" 3)
			if (utf8Length(n) > MAX_IDENTIFIER_BYTES)
				return `a username is longer than ${MAX_IDENTIFIER_BYTES} bytes in UTF-8`;
			if (/[\s\x00-\x1f\x7f]/.test(n))
				return "a username must not contain whitespace or control characters";
		}
		if (n.length > 0 && !usernames.includes(n)) usernames.push(n);
	}
	if (usernames.length > 255) return "at most 255 usernames per peer";
	if (meta.phone !== null && typeof meta.phone !== "string")
		return "phone must be a string or null";
	const phone =
		meta.phone === null
			? null
			: STORED_PHONE.test(meta.phone)
				? meta.phone
				: normalizePhone(meta.phone) || null;
	if (phone !== null && phone.length > 32) return "phone has more than 32 digits";
	if (meta.name !== null && typeof meta.name !== "string") return "name must be a string or null";
	// the name had no limit here, so memory, SQL and Redis kept one no file or string could hold
	if (
		meta.name !== null &&
		meta.name.length > MAX_NAME_BYTES / 3 &&
		utf8Length(meta.name) > MAX_NAME_BYTES
	)
		return `name is longer than ${MAX_NAME_BYTES} bytes in UTF-8`;
	if (!Number.isSafeInteger(meta.updatedAt) || meta.updatedAt < 0)
		return "updatedAt must be a non-negative safe integer (unix ms)";
	if (typeof meta.isMin !== "boolean") return "isMin must be a boolean";
	if (meta.data !== null && !(meta.data instanceof Uint8Array))
		return "data must be a Uint8Array or null";
	if (meta.data && meta.data.length > MAX_EXTENSION_VALUE_BYTES)
		return `data is larger than ${MAX_EXTENSION_VALUE_BYTES} bytes`;
	return { usernames, phone };
}

function invalidMeta(what: string, backend: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", `peer metadata: ${what}`, { backend });
}

/**
 * Copies small byte arrays into shared 64 KiB blocks: one allocation for hundreds of values
 * instead of one each (each is a view of its own range; a block lives while any view does).
 */
export class ByteSlab {
	#block = new Uint8Array(0);
	#used = 0;

	copy(bytes: Uint8Array): Uint8Array {
		if (bytes.length > 4096) return bytes.slice();
		if (this.#used + bytes.length > this.#block.length) {
			this.#block = new Uint8Array(65536);
			this.#used = 0;
		}
		const out = this.#block.subarray(this.#used, this.#used + bytes.length);
		out.set(bytes);
		this.#used += bytes.length;
		return out;
	}
}

/** Checks an extension key; throws `INVALID_ARGUMENT` naming the backend. */
export function checkExtensionKey(key: string, backend: string): void {
	if (typeof key !== "string" || key.length === 0)
		throw new SessionBackendError("INVALID_ARGUMENT", "extension key must be a non-empty string", {
			backend,
		});
	if (new TextEncoder().encode(key).length > MAX_EXTENSION_KEY_BYTES)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`extension key is longer than ${MAX_EXTENSION_KEY_BYTES} bytes`,
			{ backend },
		);
}

/** Checks a key and wraps the value as a secret (a copy). */
export function extensionValue(
	key: string,
	value: Uint8Array | SecretBytes,
	backend: string,
): SecretBytes {
	checkExtensionKey(key, backend);
	if (!(value instanceof Uint8Array) && !(value instanceof SecretBytes))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"extension value must be a Uint8Array or SecretBytes",
			{ backend },
		);
	if (value.length > MAX_EXTENSION_VALUE_BYTES)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`extension value is larger than ${MAX_EXTENSION_VALUE_BYTES} bytes`,
			{ backend },
		);
	return value instanceof SecretBytes ? value : new SecretBytes(value);
}

/** Sets (or with `null` deletes) one extension value. Mutates `session`. */
export function setSessionExtension(
	session: PersistedSession,
	key: string,
	value: SecretBytes | null,
): void {
	if (value === null) {
		session.extensions?.delete(key);
		return;
	}
	session.extensions ??= new Map();
	session.extensions.set(key, value);
}

/** Extension keys starting with `prefix`, sorted. */
export function sessionExtensionKeys(session: PersistedSession, prefix = ""): string[] {
	return [...(session.extensions?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
}

/**
 * Who owns each username and phone among `peers` (an array it edits in place). A claim gives a
 * peer's identifiers to it and removes them from the metadata of any other peer that held them;
 * the peer that loses one is replaced with a new object, as the old one may be shared with a
 * state that must not change.
 */
export class IdentifierOwners {
	readonly #peers: CachedPeer[];
	readonly #byUsername = new Map<string, number>();
	readonly #byPhone = new Map<string, number>();
	#shared = false;

	/** Indexes `peers` as they are (assumed settled, except for `except` indices). */
	constructor(peers: CachedPeer[], except?: ReadonlySet<number>) {
		this.#peers = peers;
		peers.forEach((p, i) => {
			if (!p.meta || except?.has(i)) return;
			for (const u of p.meta.usernames) {
				if (this.#byUsername.has(u)) this.#shared = true;
				this.#byUsername.set(u, i);
			}
			if (p.meta.phone !== null) {
				if (this.#byPhone.has(p.meta.phone)) this.#shared = true;
				this.#byPhone.set(p.meta.phone, i);
			}
		});
	}

	/** Some username or phone was held by two peers when indexed (an unsettled list). */
	get shared(): boolean {
		return this.#shared;
	}

	/** The index of the peer that owns `username` (stored form), or `undefined`. */
	ownerOfUsername(username: string): number | undefined {
		const i = this.#byUsername.get(username);
		// an entry goes stale when its peer's metadata is replaced without the name
		return i !== undefined && this.#peers[i]?.meta?.usernames.includes(username) ? i : undefined;
	}

	/** The index of the peer whose phone is `phone` (digits), or `undefined`. */
	ownerOfPhone(phone: string): number | undefined {
		const i = this.#byPhone.get(phone);
		return i !== undefined && this.#peers[i]?.meta?.phone === phone ? i : undefined;
	}

	/** Gives the identifiers in `peers[i].meta` to peer `i`. */
	claim(i: number): void {
		const meta = this.#peers[i]?.meta;
		if (!meta) return;
		for (const u of meta.usernames) {
			const before = this.#byUsername.get(u);
			if (before !== undefined && before !== i) this.#drop(before, u, null);
			this.#byUsername.set(u, i);
		}
		if (meta.phone !== null) {
			const before = this.#byPhone.get(meta.phone);
			if (before !== undefined && before !== i) this.#drop(before, null, meta.phone);
			this.#byPhone.set(meta.phone, i);
		}
	}

	#drop(i: number, username: string | null, phone: string | null): void {
		const p = this.#peers[i] as CachedPeer;
		const meta = p.meta;
		if (!meta) return;
		const hasName = username !== null && meta.usernames.includes(username);
		const hasPhone = phone !== null && meta.phone === phone;
		if (!hasName && !hasPhone) return; // a stale entry: the peer's metadata changed since
		this.#peers[i] = {
			...p,
			meta: {
				...meta,
				usernames: hasName ? meta.usernames.filter((u) => u !== username) : meta.usernames,
				phone: hasPhone ? null : meta.phone,
			},
		};
	}
}

/** Gives each username and phone to one peer only; the last claim in array order wins. */
export function settleIdentifiers(peers: CachedPeer[]): void {
	const owners = new IdentifierOwners(peers, new Set(peers.keys()));
	for (let i = 0; i < peers.length; i++) owners.claim(i);
}

/** The peer that owns `username` (any case, with or without `@`). */
export function findPeerByUsernameIn(
	session: PersistedSession,
	username: string,
): CachedPeer | undefined {
	const n = normalizeUsername(username);
	if (n.length === 0) return undefined;
	return session.peers.find((p) => p.meta?.usernames.includes(n));
}

/** The peer whose phone is `phone` (compared as digits). */
export function findPeerByPhoneIn(
	session: PersistedSession,
	phone: string,
): CachedPeer | undefined {
	const n = normalizePhone(phone);
	if (n.length === 0) return undefined;
	return session.peers.find((p) => p.meta?.phone === n);
}

/** Checks a peer's kind, ids and channel kind: what the v8 format can hold. */
export function checkPeer(peer: CachedPeer, backend: string): void {
	if (typeof peer !== "object" || peer === null)
		throw new SessionBackendError("INVALID_ARGUMENT", "a peer must be an object", { backend });
	if (!isPeerKind(peer.kind))
		throw new SessionBackendError("INVALID_ARGUMENT", `unknown peer kind ${String(peer.kind)}`, {
			backend,
		});
	check.i64(peer.id, "peer id", backend);
	check.i64(peer.accessHash, "access hash", backend);
	if (peer.channelKind !== null && !isChannelKind(peer.channelKind))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`unknown channel kind ${String(peer.channelKind)}`,
			{ backend },
		);
}

/**
 * A validated copy of a peer in stored form: its fields checked (so memory's `cachePeers` refuses
 * what SQL and Redis do), and its metadata normalized.
 */
export function preparedPeer(peer: CachedPeer, backend: string, slab?: ByteSlab): CachedPeer {
	checkPeer(peer, backend);
	const copy: CachedPeer = {
		kind: peer.kind,
		id: peer.id,
		accessHash: peer.accessHash,
		channelKind: peer.channelKind,
	};
	if (peer.meta) copy.meta = normalizePeerMeta(peer.meta, backend, slab);
	return copy;
}

/** Copies metadata (the `data` bytes too), so stored and returned objects never share memory. */
export function clonePeerMeta(meta: PeerMeta): PeerMeta {
	return { ...meta, usernames: [...meta.usernames], data: meta.data && meta.data.slice() };
}

/**
 * A copy of a cached peer, its metadata included: the fields of {@link CachedPeer}, built as one
 * literal (the shape {@link preparedPeer} stores), which copies faster than a spread.
 */
export function clonePeer(peer: CachedPeer): CachedPeer {
	const copy: CachedPeer = {
		kind: peer.kind,
		id: peer.id,
		accessHash: peer.accessHash,
		channelKind: peer.channelKind,
	};
	if (peer.meta) copy.meta = clonePeerMeta(peer.meta);
	return copy;
}

/** Equal metadata, usernames compared as a set (their order is not kept by every backend). */
export function peerMetaEqual(a: PeerMeta | undefined, b: PeerMeta | undefined): boolean {
	if (a === undefined || b === undefined) return a === b;
	if (a.phone !== b.phone || a.name !== b.name || a.updatedAt !== b.updatedAt) return false;
	if (a.isMin !== b.isMin || a.usernames.length !== b.usernames.length) return false;
	if (!a.usernames.every((u) => b.usernames.includes(u))) return false;
	if (a.data === null || b.data === null) return a.data === b.data;
	if (a.data.length !== b.data.length) return false;
	for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
	return true;
}
