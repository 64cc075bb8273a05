/**
 * `@x/session-core/node`: helpers that Node backends share and that are not about sessions
 * (processes, file modes, backup copies). Node-only: the root and `/backend` entries never import
 * this, so the codecs keep running in browsers.
 */
export { backupPath, createBackupFile } from "./backup.js";
export { checkOwnerOnly, looseMode, looseModeMessage } from "./permissions.js";
export { isProcessAlive } from "./process.js";
export { sqliteReadOnlySource } from "./sqlite-read-only.js";
