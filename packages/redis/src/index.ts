export { RedisSessionBackend, type RedisSessionOptions } from "./backend.js";
export { DEFAULT_COMMAND_TIMEOUT, type RedisLike } from "./client.js";
export { LAYOUT_VERSION } from "./codec.js";
export type { WaitForAof, WaitForReplicas } from "./durability.js";
export { RedisDurabilityError, RedisFeatureUnsupportedError } from "./errors.js";
export { escapeSessionId, type SessionKeys, sessionKeys, unescapeSessionId } from "./keys.js";
export { deleteRedisSession, listRedisSessions, type RedisSessionsLocation } from "./sessions.js";
export type { RedisClusterTarget } from "./shared-client.js";
