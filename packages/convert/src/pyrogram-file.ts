import { corrupt, unsupported } from "./errors.js";
import { AUTH_KEY_LENGTH, oneDcSession } from "./home-dc.js";
import { fromPyrogramPeer } from "./marked-id.js";
import { peerMetaOf } from "./peer-meta.js";
import { pyrogramDcAddress } from "./pyrogram-dcs.js";
import { columnNames, openReadOnly, type SqliteDatabase, tableNames } from "./sqlite-driver.js";
import type { Decoded } from "./types.js";
import { blobCell, boolCell, i32Cell, intCell, textCell } from "./values.js";

/** The Pyrogram SQLite storage version this package reads up to. */
export const PYROGRAM_STORAGE_VERSION = 3;

/** What a Pyrogram `.session` file holds besides our session. */
export interface PyrogramFileExtra {
	/** Storage version (1–3). */
	version: number;
	/** `null` before version 3 or when unset. */
	apiId: number | null;
	userId: bigint | null;
	isBot: boolean | null;
	testMode: boolean;
	/** `sessions.date` (unix seconds of the last save). */
	date: number;
	/** Peer rows not imported: version 1 peers, which Pyrogram itself deletes on upgrade. */
	peersSkipped: number;
	/** Rows whose username or phone the model cannot store (left out, the peer kept). */
	metadataDropped: number;
}

/**
 * Imports a Pyrogram `.session` SQLite file (storage versions 1–3): the DC id and auth key (the
 * address comes from Pyrogram's DC table, as Pyrogram does), and the `peers` access-hash cache
 * (marked ids converted to bare id + kind; `channel` → broadcast, `supergroup` → megagroup;
 * the username, phone number and `last_update_on` kept as the peer's metadata; Pyrogram keeps no
 * names). Pyrogram stores no update state. api_id, user_id,
 * is_bot and test mode are returned in `extra`. Opened read-only.
 */
export async function importPyrogramFile(path: string): Promise<Decoded<PyrogramFileExtra>> {
	const db = await openReadOnly(path);
	try {
		return readPyrogram(db);
	} catch (error) {
		if (
			error instanceof Error &&
			"code" in error &&
			typeof error.code === "string" &&
			error.code.startsWith("SQLITE_")
		) {
			throw corrupt("not a readable Pyrogram session file (SQLite error)", error);
		}
		throw error;
	} finally {
		db.close();
	}
}

function readPyrogram(db: SqliteDatabase): Decoded<PyrogramFileExtra> {
	const tables = tableNames(db);
	if (!tables.has("version") || !tables.has("sessions") || !tables.has("peers")) {
		throw corrupt("not a Pyrogram session file (no version, sessions or peers table)");
	}
	const versions = db.prepare("SELECT number FROM version").all() as { number: unknown }[];
	if (versions.length !== 1) throw corrupt(`version table has ${versions.length} rows`);
	const version = i32Cell(versions[0]?.number, "version");
	if (version < 1) throw corrupt(`storage version ${version}`);
	if (version > PYROGRAM_STORAGE_VERSION)
		throw unsupported(
			version,
			`Pyrogram storage version ${version} is newer than ${PYROGRAM_STORAGE_VERSION}`,
		);

	const hasApiId = columnNames(db, "sessions").has("api_id");
	const rows = db
		.prepare(
			`SELECT dc_id, test_mode, auth_key, date, user_id, is_bot${hasApiId ? ", api_id" : ""} FROM sessions`,
		)
		.all() as Record<string, unknown>[];
	if (rows.length !== 1)
		throw corrupt(`Pyrogram session file has ${rows.length} sessions rows, Pyrogram keeps one`);
	const row = rows[0] as Record<string, unknown>;
	const dcId = i32Cell(row.dc_id, "sessions.dc_id");
	const testMode = boolCell(row.test_mode, "sessions.test_mode") ?? false;
	const key = blobCell(row.auth_key, "sessions.auth_key");
	if (key && key.length !== AUTH_KEY_LENGTH)
		throw corrupt(`sessions.auth_key is ${key.length} bytes`);
	const date = i32Cell(row.date ?? 0n, "sessions.date");
	const userId = intCell(row.user_id, "sessions.user_id", { nullable: true });
	const isBot = boolCell(row.is_bot, "sessions.is_bot");
	const apiIdCell = hasApiId ? intCell(row.api_id, "sessions.api_id", { nullable: true }) : null;
	if (apiIdCell !== null && (apiIdCell < 0n || apiIdCell > 0xffffffffn))
		throw corrupt("sessions.api_id is out of range");
	const apiId = apiIdCell === null ? null : Number(apiIdCell);

	const { ip, port } = pyrogramDcAddress(dcId, testMode);
	const session = oneDcSession(dcId, ip, port, key);

	const peerColumns = columnNames(db, "peers");
	const optional = ["username", "phone_number", "last_update_on"]
		.map((c) => (peerColumns.has(c) ? `, ${c}` : ""))
		.join("");
	const peers = db.prepare(`SELECT id, access_hash, type${optional} FROM peers`).all() as Record<
		string,
		unknown
	>[];
	let peersSkipped = 0;
	let metadataDropped = 0;
	if (version === 1) {
		peersSkipped = peers.length; // Pyrogram's 1 → 2 upgrade deletes every peer.
	} else {
		for (const p of peers) {
			const type = textCell(p.type, "peers.type");
			if (type === null) throw corrupt("peers.type is NULL");
			const peer = fromPyrogramPeer(
				intCell(p.id, "peers.id"),
				intCell(p.access_hash, "peers.access_hash", { nullable: true }) ?? 0n,
				type,
			);
			const { meta, dropped } = peerMetaOf({
				username: textCell(p.username, "peers.username"),
				phone: textCell(p.phone_number, "peers.phone_number"),
				name: null,
				date: intCell(p.last_update_on, "peers.last_update_on", { nullable: true }),
			});
			if (meta) peer.meta = meta;
			if (dropped) metadataDropped++;
			session.peers.push(peer);
		}
	}
	return {
		session,
		extra: { version, apiId, userId, isBot, testMode, date, peersSkipped, metadataDropped },
	};
}
