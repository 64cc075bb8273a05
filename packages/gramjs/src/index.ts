export { exportStringSession, importStoreSession, importStringSession } from "./migrate.js";
export { markedIdOf, peerOfMarkedId } from "./peers.js";
export {
	type AuthKeyLike,
	type GramjsBackedSession,
	type GramjsClasses,
	type GramjsSessionOptions,
	gramjsSession,
} from "./session.js";
