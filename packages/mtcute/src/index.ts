export type { BasicDcOption, CurrentUser } from "./codec.js";
export { fastStringOfHash, hashOfFastString, markedIdOf, peerOfMarkedId } from "./ids.js";
export { MTCUTE_KEYS } from "./keys.js";
export { exportMtcuteString, importMtcuteSqlite, importMtcuteString } from "./migrate.js";
export type { PeerInfo } from "./peers.js";
export { REF_BUCKETS } from "./refs.js";
export { MtcuteStorage, type MtcuteStorageOptions, mtcuteStorage } from "./storage.js";
