export type { AuthKeyLike, GramjsClasses } from "./classes.js";
export { exportStringSession, importStoreSession, importStringSession } from "./migrate.js";
export type { GramjsBackedSession, GramjsSessionOptions } from "./options.js";
export { markedIdOf, peerOfMarkedId } from "./peers.js";
export { gramjsSession } from "./session.js";
