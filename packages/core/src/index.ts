// The application API: the session model and its helpers, the codecs and strings, JSON, errors,
// the backend contract and encryption. What only a backend author needs is in ./toolkit.ts
// (`@x/session-core/backend`); everything else in src/ is internal. Named exports only, checked by
// test/exports.test.ts, so every change to this list is deliberate.
export type { BackendCapabilities, SessionBackend } from "./backend.js";
export {
	AUTH_KEY_LENGTH,
	type DecodedSession,
	type DecodeOptions,
	decodeSession,
	decodeSessionDetailed,
	type EncodeOptions,
	encodedSize,
	encodeSession,
	SESSION_FORMAT_VERSION,
	type TrailerOptions,
} from "./codec/binary.js";
export {
	DEFAULT_PBKDF2_ITERATIONS,
	type EncryptionFailure,
	type EncryptionSecret,
	isEncryptedEnvelope,
	MAX_PBKDF2_ITERATIONS,
	SessionCipher,
	SessionEncryptionError,
} from "./crypto.js";
export { allDcsFor, dcFor, formatDcAddress, parseDcAddress, upsertDc } from "./dc-slots.js";
export { DEFAULT_DC_ADDRESSES, defaultDcAddress, defaultDcTable } from "./dc-table.js";
export {
	type EncryptedSecretsOptions,
	reencryptSecrets,
	withEncryptedSecrets,
} from "./encrypted-secrets.js";
export { canonicalSession, sessionsEqual } from "./equality.js";
export {
	CorruptSessionError,
	EncodeOverflowError,
	isSessionError,
	type LockHolder,
	SessionBackendError,
	SessionConnectionError,
	type SessionErrorCode,
	type SessionErrorOptions,
	SessionLockedError,
	UnsupportedVersionError,
} from "./errors.js";
export {
	extensionValue,
	findPeerByPhoneIn,
	findPeerByUsernameIn,
	sessionExtensionKeys,
	setSessionExtension,
} from "./extensions.js";
export {
	REDACTED,
	SESSION_JSON_FORMAT,
	SESSION_JSON_VERSION,
	type SessionFromJsonOptions,
	type SessionJson,
	sessionFromJson,
	sessionToJson,
} from "./json.js";
export { CHANNEL_KINDS, PEER_KINDS } from "./kinds.js";
export { normalizeSession } from "./normalize.js";
export { upsertPeers } from "./peer-index.js";
export { findPeer, mergePeer, upsertMinPeer } from "./peers.js";
export { SecretBytes } from "./secret.js";
export { cloneSession, emptySession } from "./session.js";
export { sessionStats } from "./stats.js";
export {
	type CompactSession,
	compactFromSession,
	compactToSession,
	decodeCompactString,
	encodeCompactString,
} from "./strings/compact.js";
export { type DecodedSessionString, decodeSessionString } from "./strings/detect.js";
export {
	decodeNativeString,
	decodeNativeStringDetailed,
	encodeNativeString,
	type NativeStringOptions,
} from "./strings/native.js";
export {
	type CachedMinPeer,
	type CachedPeer,
	ChannelKind,
	type ChannelPts,
	type DcEntry,
	DcFlags,
	type LoadOptions,
	type PeerKind,
	type PeerMeta,
	type PersistedSession,
	type SessionChanges,
	type SessionStats,
	type UpdateStateChange,
	type UpdatesState,
} from "./types.js";
export {
	applyUpdateStateChange,
	channelPts,
	cloneUpdatesState,
	emptyUpdatesState,
	setChannelPts,
} from "./update-state.js";
