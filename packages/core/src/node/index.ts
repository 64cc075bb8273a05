/**
 * `@x/session-core/node`: helpers that Node backends share and that are not about sessions
 * (processes, file modes, backup copies, the queue and time slice of synchronous local
 * databases). Node-only: the root and `/backend` entries never import this, so the codecs keep
 * running in browsers.
 */
export { backupPath, createBackupFile } from "./backup.js";
export { createDatabaseQueue, type DatabaseQueue } from "./database-queue.js";
export { checkOwnerOnly, looseMode, looseModeMessage } from "./permissions.js";
export { isProcessAlive } from "./process.js";
export { sqliteReadOnlySource } from "./sqlite-read-only.js";
export { lookupSliceUsed } from "./time-slice.js";
