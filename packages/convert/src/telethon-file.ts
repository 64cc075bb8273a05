import { emptySession, type PersistedSession, parseDcAddress } from "@x/session-core";
import { corrupt, unsupported } from "./errors.js";
import { AUTH_KEY_LENGTH, isHostname, oneDcSession, packIp } from "./home-dc.js";
import { fromTelethonMarked } from "./marked-id.js";
import { peerMetaOf } from "./peer-meta.js";
import { columnNames, openReadOnly, type SqliteDatabase, tableNames } from "./sqlite-driver.js";
import type { Decoded } from "./types.js";
import { blobCell, i32Cell, intCell, textCell, unixCell } from "./values.js";

/** The Telethon v1 SQLite schema version this package reads up to and writes. */
export const TELETHON_SESSION_VERSION = 7;

/** What a Telethon `.session` file holds besides our session. */
export interface TelethonFileExtra {
	/** The file's schema version (1–7). */
	version: number;
	takeoutId: bigint | null;
	/** Entity rows not imported: files before version 6 hold hashes Telethon itself discards. */
	entitiesSkipped: number;
	/** Rows whose username, phone or name the model cannot store (left out, the peer kept). */
	metadataDropped: number;
}

/** Reads the single `sessions` row into a one-DC session (dc 0 / no address = a fresh, empty file). */
function readSessionsRow(
	db: SqliteDatabase,
	hasTakeout: boolean,
): { session: PersistedSession; takeoutId: bigint | null } {
	const rows = db
		.prepare(
			`SELECT dc_id, server_address, port, auth_key${hasTakeout ? ", takeout_id" : ""} FROM sessions`,
		)
		.all() as Record<string, unknown>[];
	if (rows.length === 0) throw corrupt("Telethon session file has no sessions row");
	if (rows.length > 1)
		throw corrupt(`Telethon session file has ${rows.length} sessions rows, Telethon keeps one`);
	const row = rows[0] as Record<string, unknown>;
	const dcId = i32Cell(row.dc_id ?? 0n, "sessions.dc_id");
	const address = textCell(row.server_address, "sessions.server_address");
	const key = blobCell(row.auth_key, "sessions.auth_key");
	const takeoutId = hasTakeout
		? intCell(row.takeout_id, "sessions.takeout_id", { nullable: true })
		: null;
	if (key && key.length !== 0 && key.length !== AUTH_KEY_LENGTH)
		throw corrupt(`sessions.auth_key is ${key.length} bytes`);
	const authKey = key && key.length === AUTH_KEY_LENGTH ? key : null;
	if (address === null) {
		if (authKey || dcId !== 0) throw corrupt("sessions row has a DC or key but no server_address");
		return { session: emptySession(), takeoutId };
	}
	if (dcId <= 0) throw corrupt(`sessions.dc_id is ${dcId}`);
	if (!packIp(address) && !isHostname(address))
		throw corrupt("sessions.server_address is neither an IP nor a hostname");
	const port = i32Cell(row.port, "sessions.port");
	if (port < 1 || port > 65535) throw corrupt(`sessions.port is ${port}`);
	const session = oneDcSession(dcId, address, port, authKey);
	if (!parseDcAddress(session.dcs[0]?.addr ?? ""))
		throw corrupt("sessions.server_address does not form an address");
	return { session, takeoutId };
}

/**
 * Imports a Telethon v1 `.session` SQLite file (schema version 7 and older): the DC row with its auth
 * key, the `entities` access-hash cache (marked ids converted to bare id + kind; the username,
 * phone, display name and date kept as the peer's metadata) and `update_state` (id 0 = common state, other ids = channel pts). The
 * file is opened read-only. Malformed content throws {@link CorruptSessionError}; a newer schema
 * throws {@link UnsupportedVersionError}.
 */
export async function importTelethonFile(path: string): Promise<Decoded<TelethonFileExtra>> {
	const db = await openReadOnly(path);
	try {
		return readTelethon(db);
	} catch (error) {
		if (
			error instanceof Error &&
			"code" in error &&
			typeof error.code === "string" &&
			error.code.startsWith("SQLITE_")
		) {
			throw corrupt("not a readable Telethon session file (SQLite error)", error);
		}
		throw error;
	} finally {
		db.close();
	}
}

function readTelethon(db: SqliteDatabase): Decoded<TelethonFileExtra> {
	const tables = tableNames(db);
	if (!tables.has("version") || !tables.has("sessions"))
		throw corrupt("not a Telethon session file (no version or sessions table)");
	const versions = db.prepare("SELECT version FROM version").all() as { version: unknown }[];
	if (versions.length !== 1) throw corrupt(`version table has ${versions.length} rows`);
	const version = i32Cell(versions[0]?.version, "version");
	if (version < 1) throw corrupt(`schema version ${version}`);
	if (version > TELETHON_SESSION_VERSION)
		throw unsupported(
			version,
			`Telethon session schema ${version} is newer than ${TELETHON_SESSION_VERSION}`,
		);

	const { session, takeoutId } = readSessionsRow(db, columnNames(db, "sessions").has("takeout_id"));

	let entitiesSkipped = 0;
	let metadataDropped = 0;
	if (tables.has("entities")) {
		const hasDate = columnNames(db, "entities").has("date");
		const rows = db
			.prepare(`SELECT id, hash, username, phone, name${hasDate ? ", date" : ""} FROM entities`)
			.all() as Record<string, unknown>[];
		if (version < 6) {
			// Telethon's 5 → 6 upgrade deletes every entity: their hashes may be wrong.
			entitiesSkipped = rows.length;
		} else {
			for (const row of rows) {
				const marked = intCell(row.id, "entities.id");
				const hash = intCell(row.hash, "entities.hash");
				const peer = fromTelethonMarked(marked, hash);
				const { meta, dropped } = peerMetaOf({
					username: textCell(row.username, "entities.username"),
					phone: phoneCell(row.phone),
					name: textCell(row.name, "entities.name"),
					date:
						hasDate && typeof row.date !== "string" ? (row.date as bigint | number | null) : null,
				});
				if (meta) peer.meta = meta;
				if (dropped) metadataDropped++;
				session.peers.push(peer);
			}
		}
	}

	if (tables.has("update_state")) {
		const rows = db.prepare("SELECT id, pts, qts, date, seq FROM update_state").all() as Record<
			string,
			unknown
		>[];
		for (const row of rows) {
			const id = intCell(row.id, "update_state.id");
			const pts = i32Cell(row.pts ?? 0n, "update_state.pts");
			if (id === 0n) {
				session.updatesState.pts = pts;
				session.updatesState.qts = i32Cell(row.qts ?? 0n, "update_state.qts");
				session.updatesState.date = unixCell(row.date ?? 0n, "update_state.date");
				session.updatesState.seq = i32Cell(row.seq ?? 0n, "update_state.seq");
			} else if (id > 0n) {
				session.updatesState.channels.push({ channelId: id, pts });
			} else {
				throw corrupt("update_state has a negative id");
			}
		}
	}
	return { session, extra: { version, takeoutId, entitiesSkipped, metadataDropped } };
}

/** Telethon's `phone` column (integer affinity): digits come back as an integer, else as text. */
function phoneCell(value: unknown): string | bigint | null {
	if (typeof value === "bigint" || typeof value === "string") return value;
	if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
	return null;
}
