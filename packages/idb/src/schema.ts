// The database layout. One database holds many sessions; every key starts with the session id,
// so a session's rows are one key range and deleting a session is three range deletes.
//
//   sessions    sessionId → HeadRecord (home DC, DC table, update state, min peers, token)
//   peers       [sessionId, kind, id as decimal] → PeerRecord
//                 index "username": [sessionId, username] per username (multiEntry)
//                 index "phone":    [sessionId, digits]
//   extensions  [sessionId, key] → ExtensionRecord
import { requested } from "./request.js";

export const SESSIONS = "sessions";
export const PEERS = "peers";
export const EXTENSIONS = "extensions";
export const BY_USERNAME = "username";
export const BY_PHONE = "phone";
export const ALL_STORES = [SESSIONS, PEERS, EXTENSIONS] as const;
const VERSION = 1;

/** The keys of one session's rows in `peers` or `extensions`: strings sort below arrays. */
export function sessionRange(sessionId: string): IDBKeyRange {
	return IDBKeyRange.bound([sessionId], [sessionId, []]);
}

/** Opens (creating or upgrading) the database `name`. */
export function openDatabase(name: string): Promise<IDBDatabase> {
	const request = indexedDB.open(name, VERSION);
	request.onupgradeneeded = () => {
		const db = request.result;
		if (!db.objectStoreNames.contains(SESSIONS)) db.createObjectStore(SESSIONS);
		if (!db.objectStoreNames.contains(PEERS)) {
			const peers = db.createObjectStore(PEERS);
			peers.createIndex(BY_USERNAME, "u", { multiEntry: true });
			peers.createIndex(BY_PHONE, "p");
		}
		if (!db.objectStoreNames.contains(EXTENSIONS)) db.createObjectStore(EXTENSIONS);
	};
	return requested(request).then((db) => {
		// a later version opened by another tab waits for every connection to close: let it
		// (this backend's next call then fails with a typed IO error instead of blocking that tab)
		db.onversionchange = () => db.close();
		return db;
	});
}
