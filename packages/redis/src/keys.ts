import { SessionBackendError } from "@x/session-core";

/** Backend label used in errors. */
export const BACKEND = "redis";

/** The data hashes of one session, in a fixed order. */
export const DATA_PARTS = [
	"meta",
	"dcs",
	"chpts",
	"peers",
	"minpeers",
	"ext",
	"pmeta",
	"unames",
	"phones",
] as const;
/** One of {@link DATA_PARTS}. */
export type DataPart = (typeof DATA_PARTS)[number];

/** Every key of one session. All share the hash tag `{<escaped session id>}`, so one slot holds them. */
export interface SessionKeys {
	/** `{prefix}:{<id>}`: the common part, without a suffix. */
	readonly base: string;
	readonly meta: string;
	readonly dcs: string;
	readonly chpts: string;
	readonly peers: string;
	readonly minpeers: string;
	/** Extension values: key → bytes. */
	readonly ext: string;
	/** Peer metadata: peer field → packed metadata (see `packPeerMeta`). */
	readonly pmeta: string;
	/** The username index: username → peer field. */
	readonly unames: string;
	/** The phone index: phone digits → peer field. */
	readonly phones: string;
	/** The lease (single-writer lock): `SET NX PX`, value `xs1|token|pid|host|owner`. */
	readonly lease: string;
	/** The fencing counter, `INCR`ed by every lease acquisition. */
	readonly fence: string;
	/** The data keys in {@link DATA_PARTS} order. */
	readonly data: readonly string[];
}

/**
 * Escapes a session id for use inside a hash tag: `%`, `{` and `}` become `%25`, `%7B` and `%7D`,
 * so an id can never end the tag early or start a second one.
 */
export function escapeSessionId(sessionId: string): string {
	return sessionId.replace(/[%{}]/g, (c) => (c === "%" ? "%25" : c === "{" ? "%7B" : "%7D"));
}

/** Reverses {@link escapeSessionId}. */
export function unescapeSessionId(escaped: string): string {
	return escaped.replace(/%(25|7B|7D)/g, (_, hex: string) =>
		hex === "25" ? "%" : hex === "7B" ? "{" : "}",
	);
}

/** Checks a key prefix: non-empty, and without `{` or `}` (they would break the hash tag). */
export function validatePrefix(prefix: string): void {
	if (typeof prefix !== "string" || prefix.length === 0 || /[{}]/.test(prefix)) {
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"prefix must be a non-empty string without '{' or '}'",
			{
				backend: BACKEND,
			},
		);
	}
}

/** Checks a session id: a non-empty string (an empty hash tag would scatter the keys over slots). */
export function validateSessionId(sessionId: string): void {
	if (typeof sessionId !== "string" || sessionId.length === 0) {
		throw new SessionBackendError("INVALID_ARGUMENT", "sessionId must be a non-empty string", {
			backend: BACKEND,
		});
	}
}

/** The keys of session `sessionId` under `prefix`. */
export function sessionKeys(prefix: string, sessionId: string): SessionKeys {
	validatePrefix(prefix);
	validateSessionId(sessionId);
	const base = `${prefix}:{${escapeSessionId(sessionId)}}`;
	const data = DATA_PARTS.map((p) => `${base}:${p}`);
	return {
		base,
		meta: `${base}:meta`,
		dcs: `${base}:dcs`,
		chpts: `${base}:chpts`,
		peers: `${base}:peers`,
		minpeers: `${base}:minpeers`,
		ext: `${base}:ext`,
		pmeta: `${base}:pmeta`,
		unames: `${base}:unames`,
		phones: `${base}:phones`,
		lease: `${base}:lease`,
		fence: `${base}:fence`,
		data,
	};
}

/** A SCAN MATCH pattern for the meta key of every session under `prefix` (glob characters escaped). */
export function metaScanPattern(prefix: string): string {
	validatePrefix(prefix);
	return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}:{*}:meta`;
}

/** The session id of a meta key found by SCAN, or `undefined` when the key is not one of ours. */
export function sessionIdFromMetaKey(prefix: string, key: string): string | undefined {
	const head = `${prefix}:{`;
	const tail = "}:meta";
	if (!key.startsWith(head) || !key.endsWith(tail) || key.length <= head.length + tail.length)
		return undefined;
	const escaped = key.slice(head.length, key.length - tail.length);
	if (/[{}]/.test(escaped)) return undefined;
	return unescapeSessionId(escaped);
}
