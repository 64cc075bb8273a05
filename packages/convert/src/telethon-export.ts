import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type CachedPeer, isSessionError, type PersistedSession } from "@x/session-core";
import { invalid, ioError } from "./errors.js";
import { type HomeDcOptions, pickHomeDc } from "./home-dc.js";
import { toMarked } from "./marked-id.js";
import { telethonCellsOf } from "./peer-meta.js";
import { loadSqlite } from "./sqlite-driver.js";
import { TELETHON_SESSION_VERSION } from "./telethon-file.js";

/** Options of {@link exportTelethonFile}. */
export interface TelethonExportOptions extends HomeDcOptions {
	/** Replace an existing file (atomically). Default false: an existing file is an error. */
	overwrite?: boolean;
	/** Written to `sessions.takeout_id`; default NULL. */
	takeoutId?: bigint | null;
}

/** What {@link exportTelethonFile} wrote and what Telethon's schema had no room for. */
export interface TelethonExportReport {
	dcId: number;
	entities: number;
	channelStates: number;
	dropped: {
		/** DC entries other than the exported one (Telethon keeps one DC). */
		dcs: number;
		/** Communities have no marked-id form. */
		communities: number;
		/** Channels with access hash 0 (Telethon never stores those). */
		minChannels: number;
		/** Peers whose id has no marked form (out of range). */
		outOfRange: number;
		minPeers: number;
		futureAuthToken: boolean;
	};
}

const SCHEMA = [
	"CREATE TABLE version (version integer primary key)",
	"CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer)",
	"CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer)",
	"CREATE TABLE sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type))",
	"CREATE TABLE update_state (id integer primary key, pts integer, qts integer, date integer, seq integer)",
];

async function exists(path: string): Promise<boolean> {
	try {
		await fs.lstat(path);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
		throw ioError("cannot check the target path", error);
	}
}

/**
 * Writes `session` as a Telethon v1 `.session` file (schema 7) that Telethon opens as is: the home
 * DC (or `dcId`) with its key, the access-hash cache as marked-id entities (with the first username,
 * the phone, the name and the date from each peer's metadata), the update state (row
 * 0) and channel pts (one row per channel). The file is built next to `path` with mode 0600, synced,
 * then renamed into place; an existing `path` is refused unless `overwrite`. Returns what was written
 * and what Telethon's schema cannot hold.
 */
export async function exportTelethonFile(
	session: PersistedSession,
	path: string,
	options: TelethonExportOptions = {},
): Promise<TelethonExportReport> {
	const home = pickHomeDc(session, options, "a Telethon session file");
	if (home.entry.dcId <= 0) throw invalid(`DC id ${home.entry.dcId} cannot be written`);
	if (!options.overwrite && (await exists(path)))
		throw invalid("the target file exists; pass { overwrite: true } to replace it");
	const Database = await loadSqlite();

	const report: TelethonExportReport = {
		dcId: home.entry.dcId,
		entities: 0,
		channelStates: 0,
		dropped: {
			dcs: session.dcs.length - 1,
			communities: 0,
			minChannels: 0,
			outOfRange: 0,
			minPeers: session.minPeers.length,
			futureAuthToken: session.futureAuthToken !== null,
		},
	};
	const entities = new Map<bigint, { hash: bigint; peer: CachedPeer }>();
	for (const peer of session.peers) {
		if (peer.kind === "community") {
			report.dropped.communities++;
			continue;
		}
		if (peer.kind === "channel" && peer.accessHash === 0n) {
			report.dropped.minChannels++;
			continue;
		}
		const marked = toMarked(peer);
		if (marked === undefined) {
			report.dropped.outOfRange++;
			continue;
		}
		entities.set(marked, { hash: peer.kind === "chat" ? 0n : peer.accessHash, peer });
	}
	report.entities = entities.size;
	const channels = new Map<bigint, number>();
	for (const c of session.updatesState.channels) {
		if (c.channelId <= 0n)
			throw invalid("channel pts with a non-positive channel id cannot be written");
		channels.set(c.channelId, c.pts);
	}
	report.channelStates = channels.size;

	const dir = dirname(path);
	const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
	try {
		const handle = await fs.open(
			tmp,
			constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
			0o600,
		);
		await handle.close();
	} catch (error) {
		throw ioError("cannot create the session file", error);
	}
	try {
		const db = new Database(tmp);
		try {
			db.defaultSafeIntegers(true);
			db.transaction(() => {
				for (const sql of SCHEMA) db.exec(sql);
				db.prepare("INSERT INTO version VALUES (?)").run(TELETHON_SESSION_VERSION);
				home.authKey.read((key) =>
					db
						.prepare("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)")
						.run(home.entry.dcId, home.ip, home.port, Buffer.from(key), options.takeoutId ?? null),
				);
				const insertEntity = db.prepare("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)");
				for (const [id, { hash, peer }] of entities) {
					const c = telethonCellsOf(peer);
					insertEntity.run(id, hash, c.username, c.phone, c.name, c.date);
				}
				const s = session.updatesState;
				const insertState = db.prepare("INSERT INTO update_state VALUES (?, ?, ?, ?, ?)");
				if (s.pts !== 0 || s.qts !== 0 || s.date !== 0 || s.seq !== 0)
					insertState.run(0, s.pts, s.qts, s.date, s.seq);
				// Telethon writes qts/date/seq filler for channel rows; only pts is read back.
				for (const [id, pts] of channels) insertState.run(id, pts, 0, 0, 0);
			})();
		} finally {
			db.close();
		}
		const handle = await fs.open(tmp, "r+");
		try {
			await handle.chmod(0o600);
			await handle.sync();
		} finally {
			await handle.close();
		}
		await fs.rename(tmp, path);
	} catch (error) {
		await fs.rm(tmp, { force: true });
		await fs.rm(`${tmp}-journal`, { force: true });
		if (isSessionError(error)) throw error;
		throw ioError("cannot write the session file", error);
	}
	try {
		const d = await fs.open(dir, "r");
		try {
			await d.sync();
		} finally {
			await d.close();
		}
	} catch {
		// Directory fsync is not supported everywhere (e.g. some network filesystems); the file itself is synced.
	}
	return report;
}
