import {
	CorruptSessionError,
	DcFlags,
	emptySession,
	parseDcAddress,
	SecretBytes,
	SessionBackendError,
} from "@x/session-core";
import {
	parseCurrentUser,
	parseDcOption,
	serializeCurrentUser,
	serializeDcOption,
} from "./codec.js";
import type { MtcuteStorage } from "./storage.js";

const ADAPTER = "mtcute";

/** @x/session-convert, an optional peer dependency loaded only by the string helpers. */
async function convert(): Promise<typeof import("@x/session-convert")> {
	try {
		return await import("@x/session-convert");
	} catch (cause) {
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"mtcute session strings need @x/session-convert installed",
			{
				backend: ADAPTER,
				cause,
			},
		);
	}
}

async function refuseExisting(storage: MtcuteStorage, replace: boolean | undefined): Promise<void> {
	if (!replace && (await storage.kv.get("dc_main")))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"the storage already holds a session; pass { replace: true } to overwrite it",
			{
				backend: ADAPTER,
			},
		);
}

/**
 * Moves an mtcute v3 session string into `storage` without logging out, as mtcute's own
 * `importSession` would: main and media DC, the auth key, the logged-in user. Written durably
 * before it resolves.
 */
export async function importMtcuteString(
	text: string,
	storage: MtcuteStorage,
	options: { replace?: boolean } = {},
): Promise<void> {
	const { decodeMtcuteString } = await convert();
	const { session, extra } = decodeMtcuteString(text);
	await refuseExisting(storage, options.replace);
	const option = (i: number) => {
		const entry = session.dcs[i];
		const addr = entry && parseDcAddress(entry.addr);
		if (!entry || !addr) return null;
		return {
			id: entry.dcId,
			ipAddress: addr.ip,
			port: addr.port,
			ipv6: (entry.flags & DcFlags.IPV6) !== 0,
			// mtcute's own strings may carry a media option without the media-only bit
			mediaOnly: i > 0 && extra.mediaOnlyFlag !== false,
			testMode: extra.testMode,
		};
	};
	const main = option(0);
	const key = session.dcs[0]?.authKey;
	if (!main || !key)
		throw new CorruptSessionError("the mtcute string has no main DC with a key", {
			backend: ADAPTER,
		});
	const media = option(1);
	await storage.kv.set("dc_main", serializeDcOption(main));
	if (media) await storage.kv.set("dc_media", serializeDcOption(media));
	else await storage.kv.delete("dc_media");
	if (extra.self)
		await storage.kv.set(
			"current_user",
			serializeCurrentUser({
				userId: Number(extra.self.userId),
				isBot: extra.self.isBot,
				isPremium: false,
				usernames: [],
			}),
		);
	await storage.authKeys.deleteAll();
	await storage.authKeys.set(main.id, key.expose());
	await storage.flush();
}

/** The mtcute v3 string of what `storage` holds (main and media DC, key, logged-in user). */
export async function exportMtcuteString(storage: MtcuteStorage): Promise<string> {
	const { encodeMtcuteString } = await convert();
	const main = parseDcOption(await storage.kv.get("dc_main"));
	const key = main && (await storage.authKeys.get(main.id));
	if (!main || !key)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"the storage holds no mtcute session to export",
			{ backend: ADAPTER },
		);
	const media = parseDcOption(await storage.kv.get("dc_media"));
	const session = emptySession();
	session.homeDcId = main.id;
	const entry = (dc: typeof main, mediaOnly: boolean) => ({
		dcId: dc.id,
		addr: dc.ipv6 ? `[${dc.ipAddress}]:${dc.port}` : `${dc.ipAddress}:${dc.port}`,
		authKey: mediaOnly ? null : new SecretBytes(key),
		firstSalt: 0n,
		timeOffset: 0,
		flags: (dc.ipv6 ? DcFlags.IPV6 : 0) | (mediaOnly ? DcFlags.MEDIA_ONLY : 0),
	});
	session.dcs.push(entry(main, false));
	if (media) session.dcs.push(entry(media, true));
	const self = parseCurrentUser(await storage.kv.get("current_user"));
	return encodeMtcuteString(session, {
		testMode: main.testMode,
		mediaOnlyFlag: media ? media.mediaOnly : null,
		self: self && { userId: BigInt(self.userId), isBot: self.isBot },
	});
}

interface Row {
	[column: string]: unknown;
}

/**
 * Copies an mtcute `SqliteStorage` database (the `client.session` file of `@mtcute/node`) into
 * `storage`: key-value data, permanent and temporary keys, peers and reference messages. The file
 * is opened read-only and never changed. Needs better-sqlite3. Node only.
 */
export async function importMtcuteSqlite(
	path: string,
	storage: MtcuteStorage,
	options: { replace?: boolean } = {},
): Promise<{ peers: number; refMessages: number }> {
	let Database: typeof import("better-sqlite3");
	try {
		Database = (await import("better-sqlite3")).default;
	} catch (cause) {
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"importing an mtcute SQLite file needs better-sqlite3 installed",
			{
				backend: ADAPTER,
				cause,
			},
		);
	}
	let db: import("better-sqlite3").Database;
	try {
		db = new Database(path, { readonly: true, fileMustExist: true });
	} catch (cause) {
		throw new SessionBackendError("IO", `cannot open the mtcute database ${path}`, {
			backend: ADAPTER,
			cause,
		});
	}
	try {
		const tables = new Set(
			(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Row[]).map((r) =>
				String(r.name),
			),
		);
		if (!tables.has("key_value") || !tables.has("auth_keys"))
			throw new CorruptSessionError(`${path} is not an mtcute SqliteStorage database`, {
				backend: ADAPTER,
			});
		const rows = (table: string): Row[] =>
			tables.has(table) ? (db.prepare(`SELECT * FROM ${table}`).all() as Row[]) : [];
		await refuseExisting(storage, options.replace);
		await storage.authKeys.deleteAll();
		for (const r of rows("key_value"))
			await storage.kv.set(String(r.key), bytes(r.value, "key_value.value"));
		for (const r of rows("auth_keys"))
			await storage.authKeys.set(Number(r.dc), bytes(r.key, "auth_keys.key"));
		for (const r of rows("temp_auth_keys"))
			await storage.authKeys.setTemp(
				Number(r.dc),
				Number(r.idx),
				bytes(r.key, "temp_auth_keys.key"),
				Number(r.expires),
			);
		const peers = rows("peers");
		for (const r of peers) {
			const usernames: unknown = JSON.parse(String(r.usernames ?? "[]"));
			await storage.peers.store({
				id: Number(r.id),
				accessHash: String(r.hash),
				isMin: Number(r.isMin ?? 0) === 1,
				usernames: Array.isArray(usernames) ? usernames.map(String) : [],
				updated: Number(r.updated),
				...(r.phone ? { phone: String(r.phone) } : {}),
				complete:
					r.complete instanceof Uint8Array
						? bytes(r.complete, "peers.complete")
						: new Uint8Array(0),
			});
		}
		const refs = rows("message_refs");
		for (const r of refs)
			await storage.refMessages.store(Number(r.peer_id), Number(r.chat_id), Number(r.msg_id));
		await storage.flush();
		return { peers: peers.length, refMessages: refs.length };
	} finally {
		db.close();
	}
}

function bytes(value: unknown, what: string): Uint8Array {
	if (value instanceof Uint8Array) return new Uint8Array(value);
	throw new CorruptSessionError(`mtcute database: ${what} is not a blob`, { backend: ADAPTER });
}
