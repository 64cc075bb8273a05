// `@x/session-core/backend`: the toolkit for writing a backend (or a client adapter) on core —
// the base class, the write-time checks every backend runs, batch preparation and application,
// the peer index and the low-level encodings. Applications need only the root entry (./index.ts).
// Named exports only, checked by test/exports.test.ts.
export { BaseSessionBackend, preparePeers, prepareSession } from "./backend.js";
export {
	applySessionChanges,
	changesAreEmpty,
	checkAuthKey,
	checkDc,
	checkDcAddress,
	checkedDc,
	checkedStateChange,
	checkHomeDc,
	checkSessionFields,
	MAX_DC_ADDRESS_BYTES,
	type PreparedChanges,
	prepareChanges,
} from "./changes.js";
export { type Base64Alphabet, base64Decode, base64Encode } from "./codec/base64.js";
export { toCipher } from "./crypto.js";
export { DC_SLOT_MASK, sameDcSlot } from "./dc-slots.js";
export {
	checkExtensionKey,
	checkPeer,
	clonePeer,
	MAX_EXTENSION_KEY_BYTES,
	MAX_EXTENSION_VALUE_BYTES,
	normalizePhone,
	normalizeUsername,
} from "./extensions.js";
export {
	CHANNEL_KIND_CODE,
	type CodeTable,
	isChannelKind,
	isPeerKind,
	SQL_PEER_KIND,
} from "./kinds.js";
export { PeerIndex, upsertPreparedPeers } from "./peer-index.js";
export { redactSecrets } from "./redact.js";
export { keyedQueue, SerialQueue } from "./serial-queue.js";
export { type SharedHandle, SharedResources } from "./shared-resource.js";
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "./strings/ip.js";
