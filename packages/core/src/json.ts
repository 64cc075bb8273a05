import { prepareSession } from "./backend.js";
import { base64Decode, base64Encode } from "./codec/base64.js";
import { CorruptSessionError, SessionBackendError } from "./errors.js";
import { isChannelKind, isPeerKind } from "./kinds.js";
import { SecretBytes } from "./secret.js";
import type { CachedPeer, ChannelKind, PeerKind, PeerMeta, PersistedSession } from "./types.js";

/** Identifies the JSON layout; bump `version` on incompatible changes. */
export const SESSION_JSON_FORMAT = "x-session/json";
/** The layout version written in `sessionToJson` output; `sessionFromJson` rejects any other. */
export const SESSION_JSON_VERSION = 1;
/** Stands in for a secret left out of a JSON export. */
export const REDACTED = "[redacted]";

/**
 * The JSON form of a session. 64-bit values are decimal strings; secrets are standard base64
 * (with padding) or {@link REDACTED}.
 */
export interface SessionJson {
	format: typeof SESSION_JSON_FORMAT;
	version: number;
	homeDcId: number;
	dcs: {
		dcId: number;
		addr: string;
		authKey: string | null;
		firstSalt: string;
		timeOffset: number;
		flags: number;
	}[];
	updatesState: {
		pts: number;
		qts: number;
		date: number;
		seq: number;
		channels: { channelId: string; pts: number }[];
	};
	peers: {
		kind: PeerKind;
		id: string;
		accessHash: string;
		channelKind: ChannelKind | null;
		/** Present only for peers with metadata; `data` is base64. */
		meta?: {
			usernames: string[];
			phone: string | null;
			name: string | null;
			updatedAt: number;
			isMin: boolean;
			data: string | null;
		};
	}[];
	minPeers: { userId: string; peerId: string; msgId: number }[];
	futureAuthToken: string | null;
	/** Present only when the session has extension values: key → base64 or {@link REDACTED}. */
	extensions?: Record<string, string>;
}

/** Exports a session as JSON data. Secrets are {@link REDACTED} unless `includeSecrets` is set. */
export function sessionToJson(
	session: PersistedSession,
	options: { includeSecrets?: boolean } = {},
): SessionJson {
	const reveal = (s: SecretBytes | null) =>
		s === null
			? null
			: options.includeSecrets
				? base64Encode(s.expose(), { alphabet: "standard", pad: true })
				: REDACTED;
	const json: SessionJson = {
		format: SESSION_JSON_FORMAT,
		version: SESSION_JSON_VERSION,
		homeDcId: session.homeDcId,
		dcs: session.dcs.map((d) => ({
			dcId: d.dcId,
			addr: d.addr,
			authKey: reveal(d.authKey),
			firstSalt: d.firstSalt.toString(),
			timeOffset: d.timeOffset,
			flags: d.flags,
		})),
		updatesState: {
			pts: session.updatesState.pts,
			qts: session.updatesState.qts,
			date: session.updatesState.date,
			seq: session.updatesState.seq,
			channels: session.updatesState.channels.map((c) => ({
				channelId: c.channelId.toString(),
				pts: c.pts,
			})),
		},
		peers: session.peers.map((p) => {
			const peer: SessionJson["peers"][number] = {
				kind: p.kind,
				id: p.id.toString(),
				accessHash: p.accessHash.toString(),
				channelKind: p.channelKind,
			};
			if (p.meta)
				peer.meta = {
					...p.meta,
					usernames: [...p.meta.usernames],
					data: p.meta.data && base64Encode(p.meta.data, { alphabet: "standard", pad: true }),
				};
			return peer;
		}),
		minPeers: session.minPeers.map((m) => ({
			userId: m.userId.toString(),
			peerId: m.peerId.toString(),
			msgId: m.msgId,
		})),
		futureAuthToken: reveal(session.futureAuthToken),
	};
	if (session.extensions?.size)
		json.extensions = Object.fromEntries(
			[...session.extensions].map(([k, v]) => [k, reveal(v) as string]),
		);
	return json;
}

/** Options of `sessionFromJson`. */
export interface SessionFromJsonOptions {
	/** Turn {@link REDACTED} secrets into "no key" instead of rejecting them. */
	allowRedacted?: boolean;
}

/**
 * Imports a session from JSON data (an object or a JSON text) in the {@link SessionJson} layout.
 * Anything malformed is a {@link CorruptSessionError} naming the field; values are never echoed.
 */
export function sessionFromJson(
	input: unknown,
	options: SessionFromJsonOptions = {},
): PersistedSession {
	let data: unknown = input;
	if (typeof input === "string") {
		try {
			data = JSON.parse(input);
		} catch {
			// no cause: V8's SyntaxError quotes the text around the error, which may be a secret
			throw bad("text is not JSON");
		}
	}
	const root = obj(data, "session");
	if (root.format !== SESSION_JSON_FORMAT) throw bad(`format must be "${SESSION_JSON_FORMAT}"`);
	if (root.version !== SESSION_JSON_VERSION)
		throw bad(`unsupported JSON version (expected ${SESSION_JSON_VERSION})`);
	const secretOf = (v: unknown, field: string): SecretBytes | null => {
		if (v === null) return null;
		if (v === REDACTED) {
			if (options.allowRedacted) return null;
			throw bad(`${field} is redacted; export with secrets included or pass allowRedacted`);
		}
		if (typeof v !== "string") throw bad(`${field} must be base64 text or null`);
		try {
			return new SecretBytes(base64Decode(v, { lenient: true, backend: "json", what: field }));
		} catch (cause) {
			throw bad(`${field} is not valid base64`, cause);
		}
	};
	const us = obj(root.updatesState, "updatesState");
	const session: PersistedSession = {
		homeDcId: int(root.homeDcId, "homeDcId"),
		dcs: arr(root.dcs, "dcs").map((x, i) => {
			const d = obj(x, `dcs[${i}]`);
			const authKey = secretOf(d.authKey, `dcs[${i}].authKey`);
			if (authKey && authKey.length !== 256) throw bad(`dcs[${i}].authKey must be 256 bytes`);
			return {
				dcId: int(d.dcId, `dcs[${i}].dcId`),
				addr: str(d.addr, `dcs[${i}].addr`),
				authKey,
				firstSalt: big(d.firstSalt, `dcs[${i}].firstSalt`),
				timeOffset: int(d.timeOffset, `dcs[${i}].timeOffset`),
				flags: int(d.flags, `dcs[${i}].flags`, 0, 255),
			};
		}),
		updatesState: {
			pts: int(us.pts, "updatesState.pts"),
			qts: int(us.qts, "updatesState.qts"),
			date: int(us.date, "updatesState.date"),
			seq: int(us.seq, "updatesState.seq"),
			channels: arr(us.channels, "updatesState.channels").map((x, i) => {
				const c = obj(x, `channels[${i}]`);
				return {
					channelId: big(c.channelId, `channels[${i}].channelId`),
					pts: int(c.pts, `channels[${i}].pts`),
				};
			}),
		},
		peers: arr(root.peers, "peers").map((x, i): CachedPeer => {
			const p = obj(x, `peers[${i}]`);
			if (!isPeerKind(p.kind)) throw bad(`peers[${i}].kind is not a peer kind`);
			if (p.channelKind !== null && !isChannelKind(p.channelKind))
				throw bad(`peers[${i}].channelKind is not a channel kind`);
			const peer: CachedPeer = {
				kind: p.kind as PeerKind,
				id: big(p.id, `peers[${i}].id`),
				accessHash: big(p.accessHash, `peers[${i}].accessHash`),
				channelKind: p.channelKind as ChannelKind | null,
			};
			if (p.meta !== undefined) peer.meta = metaFromJson(p.meta, `peers[${i}].meta`);
			return peer;
		}),
		minPeers: arr(root.minPeers, "minPeers").map((x, i) => {
			const m = obj(x, `minPeers[${i}]`);
			return {
				userId: big(m.userId, `minPeers[${i}].userId`),
				peerId: big(m.peerId, `minPeers[${i}].peerId`),
				msgId: int(m.msgId, `minPeers[${i}].msgId`),
			};
		}),
		futureAuthToken: secretOf(root.futureAuthToken ?? null, "futureAuthToken"),
	};
	if (root.extensions !== undefined) {
		const entries = Object.entries(obj(root.extensions, "extensions"));
		const values = new Map<string, SecretBytes>();
		for (const [key, value] of entries) {
			const v = secretOf(value, "an extension value");
			if (v) values.set(key, v);
		}
		if (values.size > 0) session.extensions = values;
	}
	// what loads must save: a value every backend's save() refuses (a DC address over 255 bytes,
	// a username with a space, data over 16 MiB, ...) is refused here, typed, not at the next save
	try {
		prepareSession(session, "json");
	} catch (cause) {
		if (!(cause instanceof SessionBackendError)) throw cause;
		throw bad(cause.message.replace(/^\[x-session\] \[json\] /, ""), cause);
	}
	return session;
}

function metaFromJson(v: unknown, field: string): PeerMeta {
	const m = obj(v, field);
	const usernames = arr(m.usernames, `${field}.usernames`).map((u, i) =>
		str(u, `${field}.usernames[${i}]`),
	);
	const optional = (x: unknown, name: string) => (x === null ? null : str(x, `${field}.${name}`));
	if (typeof m.isMin !== "boolean") throw bad(`${field}.isMin must be a boolean`);
	if (typeof m.updatedAt !== "number" || !Number.isSafeInteger(m.updatedAt) || m.updatedAt < 0)
		throw bad(`${field}.updatedAt must be a non-negative integer`);
	const data = optional(m.data, "data");
	let bytes: Uint8Array | null = null;
	if (data !== null) {
		try {
			bytes = base64Decode(data, { lenient: true, backend: "json", what: `${field}.data` });
		} catch (cause) {
			throw bad(`${field}.data is not valid base64`, cause);
		}
	}
	return {
		usernames,
		phone: optional(m.phone, "phone"),
		name: optional(m.name, "name"),
		updatedAt: m.updatedAt,
		isMin: m.isMin,
		data: bytes,
	};
}

function bad(message: string, cause?: unknown): CorruptSessionError {
	return new CorruptSessionError(`invalid session JSON: ${message}`, { backend: "json", cause });
}
function obj(v: unknown, field: string): Record<string, unknown> {
	if (typeof v !== "object" || v === null || Array.isArray(v))
		throw bad(`${field} must be an object`);
	return v as Record<string, unknown>;
}
function arr(v: unknown, field: string): unknown[] {
	if (!Array.isArray(v)) throw bad(`${field} must be an array`);
	// a hole (`[, {...}]`) is skipped by map() and would reach the encoders as undefined
	for (let i = 0; i < v.length; i++) if (!(i in v)) throw bad(`${field}[${i}] is missing`);
	return v;
}
function str(v: unknown, field: string): string {
	if (typeof v !== "string") throw bad(`${field} must be a string`);
	return v;
}
function int(v: unknown, field: string, min = -0x80000000, max = 0x7fffffff): number {
	if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
		throw bad(`${field} must be an integer in ${min}..${max}`);
	return v;
}
function big(v: unknown, field: string): bigint {
	if (typeof v !== "string" || !/^-?\d{1,20}$/.test(v))
		throw bad(`${field} must be a decimal string`);
	const n = BigInt(v);
	if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) throw bad(`${field} is outside the i64 range`);
	return n;
}
