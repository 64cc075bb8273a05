export {
	deleteSqliteSession,
	listSqliteSessions,
	type SqliteDatabase,
	SqliteSessionBackend,
	type SqliteSessionOptions,
} from "./backend.js";
export { type SqliteDriverOptions, type SqliteDriverTarget, sqliteDriver } from "./driver.js";
