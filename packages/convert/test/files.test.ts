import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { exportTelethonFile, importPyrogramFile, importTelethonFile } from "../src/index.js";
import { expectTypedRejection, makeKey, oneDc } from "./helpers.js";

// Hand-built files with the schemas of Pyrogram (storage v1–v3) and older Telethon versions, and
// damaged files. Telethon's own files are covered in telethon.test.ts.

const dir = mkdtempSync(join(tmpdir(), "convert-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(dir, `${n++}-${name}.session`);
const KEY = makeKey(3);

function pyrogramFile(
	version: 1 | 2 | 3,
	opts: { key?: Uint8Array | null; testMode?: number | null; dc?: number } = {},
): string {
	const path = fresh(`pyrogram-v${version}`);
	const db = new Database(path);
	db.exec(`CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, ${version === 3 ? "api_id INTEGER," : ""} test_mode INTEGER, auth_key BLOB, date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
		CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL, username TEXT, phone_number TEXT,
			last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER)));
		CREATE TABLE version (number INTEGER PRIMARY KEY);`);
	db.prepare("INSERT INTO version VALUES (?)").run(version);
	const key = opts.key === undefined ? Buffer.from(KEY) : opts.key && Buffer.from(opts.key);
	const cols =
		version === 3
			? "(dc_id, api_id, test_mode, auth_key, date, user_id, is_bot)"
			: "(dc_id, test_mode, auth_key, date, user_id, is_bot)";
	const vals = [
		opts.dc ?? 4,
		...(version === 3 ? [611335] : []),
		opts.testMode === undefined ? 0 : opts.testMode,
		key,
		1_700_000_123,
		5_000_000_001n,
		0,
	];
	db.prepare(`INSERT INTO sessions ${cols} VALUES (${vals.map(() => "?").join(",")})`).run(...vals);
	const peer = db.prepare(
		"INSERT INTO peers (id, access_hash, type, username, phone_number) VALUES (?, ?, ?, ?, ?)",
	);
	peer.run(5_000_000_001n, -77n, "user", "me", "15550000");
	peer.run(424242n, 12n, "bot", "somebot", null);
	peer.run(-555n, 0n, "group", null, null);
	peer.run(-1_000_000_000_555n, 9_000_000_000_000_000_000n - 1n, "channel", "news", null);
	peer.run(-1_001_234_567_890n, -3n, "supergroup", null, null);
	db.close();
	return path;
}

function telethonFile(
	version: number,
	opts: { sessionsRows?: unknown[][]; entities?: [bigint, bigint][]; dateReal?: boolean } = {},
): string {
	const path = fresh(`telethon-v${version}`);
	const db = new Database(path);
	db.exec("CREATE TABLE version (version integer primary key)");
	db.prepare("INSERT INTO version VALUES (?)").run(version);
	db.exec(
		`CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob${version >= 5 ? ", takeout_id integer" : ""})`,
	);
	db.exec(
		`CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text${version >= 7 ? ", date integer" : ""})`,
	);
	if (version >= 4)
		db.exec(
			"CREATE TABLE update_state (id integer primary key, pts integer, qts integer, date integer, seq integer)",
		);
	const rows = opts.sessionsRows ?? [
		[2, "149.154.167.51", 443, Buffer.from(KEY), ...(version >= 5 ? [null] : [])],
	];
	for (const r of rows)
		db.prepare(`INSERT INTO sessions VALUES (${r.map(() => "?").join(",")})`).run(...r);
	for (const [id, hash] of opts.entities ?? [
		[10n, 20n],
		[-30n, 0n],
		[-1_000_000_000_040n, 50n],
	])
		db.prepare("INSERT INTO entities (id, hash) VALUES (?, ?)").run(id, hash);
	if (version >= 4) {
		db.prepare("INSERT INTO update_state VALUES (?, ?, ?, ?, ?)").run(
			0,
			10,
			2,
			opts.dateReal ? 1_700_000_000.75 : 1_700_000_000,
			3,
		);
		db.prepare("INSERT INTO update_state VALUES (?, ?, ?, ?, ?)").run(
			40,
			77,
			0,
			1_700_000_001.123,
			0,
		);
	}
	db.close();
	return path;
}

describe("Pyrogram .session import", () => {
	it("storage v3: DC from Pyrogram's table, key, peers by type, extra fields", async () => {
		const { session, extra } = await importPyrogramFile(pyrogramFile(3));
		expect(extra).toEqual({
			version: 3,
			apiId: 611335,
			userId: 5_000_000_001n,
			isBot: false,
			testMode: false,
			date: 1_700_000_123,
			peersSkipped: 0,
			metadataDropped: 0,
		});
		expect(session.homeDcId).toBe(4);
		expect(session.dcs).toHaveLength(1);
		expect(session.dcs[0]?.addr).toBe("149.154.167.91:443");
		expect(session.dcs[0]?.authKey?.equals(KEY)).toBe(true);
		const peers = session.peers.map((p) => [p.kind, p.id, p.accessHash, p.channelKind]);
		expect(peers.sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`))).toEqual([
			["channel", 1_234_567_890n, -3n, "megagroup"],
			["channel", 555n, 9_000_000_000_000_000_000n - 1n, "broadcast"],
			["chat", 555n, 0n, null],
			["user", 424242n, 12n, null],
			["user", 5_000_000_001n, -77n, null],
		]);
		expect(session.updatesState).toEqual({ pts: 0, qts: 0, date: 0, seq: 0, channels: [] });
	});

	it("keeps each peer's username, phone and last update as metadata; drops what cannot be stored", async () => {
		const path = pyrogramFile(3);
		const db = new Database(path);
		db.prepare("UPDATE peers SET last_update_on = 1700000500 WHERE id = 5000000001").run();
		db.prepare("UPDATE peers SET username = 'has space' WHERE id = 424242").run();
		db.close();
		const { session, extra } = await importPyrogramFile(path);
		const meta = (id: bigint) => session.peers.find((p) => p.id === id)?.meta;
		expect(meta(5_000_000_001n)).toEqual({
			usernames: ["me"],
			phone: "15550000",
			name: null,
			updatedAt: 1_700_000_500_000,
			isMin: false,
			data: null,
		});
		expect(meta(555n)?.usernames).toEqual(["news"]);
		// a username outside Telegram's alphabet is left out; the peer and its hash are kept
		expect(meta(424242n)).toBeUndefined();
		expect(session.peers.some((p) => p.id === 424242n && p.accessHash === 12n)).toBe(true);
		expect(extra.metadataDropped).toBe(1);
		expect(meta(1_234_567_890n)).toBeUndefined();
	});

	it("storage v2 has no api_id; v1 peers are skipped as Pyrogram's upgrade deletes them", async () => {
		const v2 = await importPyrogramFile(pyrogramFile(2, { testMode: 1, dc: 2 }));
		expect(v2.extra.apiId).toBeNull();
		expect(v2.extra.testMode).toBe(true);
		expect(v2.session.dcs[0]?.addr).toBe("149.154.167.40:80");
		expect(v2.session.peers).toHaveLength(5);
		const v1 = await importPyrogramFile(pyrogramFile(1));
		expect(v1.session.peers).toHaveLength(0);
		expect(v1.extra.peersSkipped).toBe(5);
	});

	it("a fresh file (no key yet) gives the DC without a key", async () => {
		const { session } = await importPyrogramFile(pyrogramFile(3, { key: null, testMode: null }));
		expect(session.dcs[0]?.authKey).toBeNull();
	});

	it("rejects newer storage, bad keys, unknown DCs and peers whose id contradicts the type", async () => {
		const newer = pyrogramFile(3);
		new Database(newer).prepare("UPDATE version SET number = 4").run();
		const err = await expectTypedRejection(() => importPyrogramFile(newer), "UNSUPPORTED_VERSION");
		expect((err as { version?: number }).version).toBe(4);
		await expectTypedRejection(
			() => importPyrogramFile(pyrogramFile(3, { key: new Uint8Array(255) })),
			"CORRUPT_DATA",
		);
		await expectTypedRejection(
			() => importPyrogramFile(pyrogramFile(3, { dc: 9 })),
			"CORRUPT_DATA",
		);
		const badPeer = pyrogramFile(3);
		new Database(badPeer)
			.prepare("INSERT INTO peers (id, access_hash, type) VALUES (5, 1, 'channel')")
			.run();
		await expectTypedRejection(() => importPyrogramFile(badPeer), "CORRUPT_DATA");
		const badType = pyrogramFile(3);
		new Database(badType)
			.prepare("INSERT INTO peers (id, access_hash, type) VALUES (6, 1, 'robot')")
			.run();
		await expectTypedRejection(() => importPyrogramFile(badType), "CORRUPT_DATA");
	});
});

describe("Telethon .session import, older schemas and damage", () => {
	it("schema 6 (no entities.date): entities imported; REAL dates truncated as Telethon does", async () => {
		const { session, extra } = await importTelethonFile(telethonFile(6, { dateReal: true }));
		expect(extra).toEqual({ version: 6, takeoutId: null, entitiesSkipped: 0, metadataDropped: 0 });
		expect(session.updatesState).toEqual({
			pts: 10,
			qts: 2,
			date: 1_700_000_000,
			seq: 3,
			channels: [{ channelId: 40n, pts: 77 }],
		});
		const peers = session.peers.map((p) => [p.kind, p.id, p.accessHash]);
		expect(peers.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
			["channel", 40n, 50n],
			["chat", 30n, 0n],
			["user", 10n, 20n],
		]);
	});

	it("before schema 6 entities are skipped (Telethon's upgrade wipes them); schema 4 has no takeout_id, 3 no update state", async () => {
		const v4 = await importTelethonFile(telethonFile(4));
		expect(v4.extra).toEqual({
			version: 4,
			takeoutId: null,
			entitiesSkipped: 3,
			metadataDropped: 0,
		});
		expect(v4.session.peers).toEqual([]);
		expect(v4.session.updatesState.pts).toBe(10);
		const v3 = await importTelethonFile(telethonFile(3));
		expect(v3.session.updatesState.pts).toBe(0);
		expect(v3.session.dcs[0]?.authKey?.equals(KEY)).toBe(true);
	});

	it("a fresh Telethon file (dc 0, no address, empty key) is an empty session", async () => {
		const { session } = await importTelethonFile(
			telethonFile(7, { sessionsRows: [[0, null, null, Buffer.alloc(0), null]] }),
		);
		expect(session.homeDcId).toBe(0);
		expect(session.dcs).toEqual([]);
	});

	it("rejects damage with typed errors", async () => {
		await expectTypedRejection(() => importTelethonFile(telethonFile(8)), "UNSUPPORTED_VERSION");
		await expectTypedRejection(
			() => importTelethonFile(telethonFile(7, { sessionsRows: [] })),
			"CORRUPT_DATA",
		);
		await expectTypedRejection(
			() =>
				importTelethonFile(
					telethonFile(7, {
						sessionsRows: [
							[2, "1.2.3.4", 443, Buffer.from(KEY), null],
							[3, "1.2.3.5", 443, Buffer.from(KEY), null],
						],
					}),
				),
			"CORRUPT_DATA",
		);
		await expectTypedRejection(
			() =>
				importTelethonFile(
					telethonFile(7, { sessionsRows: [[2, "1.2.3.4", 443, Buffer.alloc(100), null]] }),
				),
			"CORRUPT_DATA",
		);
		await expectTypedRejection(
			() =>
				importTelethonFile(
					telethonFile(7, { sessionsRows: [[2, "1.2.3.4", 70000, Buffer.from(KEY), null]] }),
				),
			"CORRUPT_DATA",
		);
		await expectTypedRejection(
			() =>
				importTelethonFile(
					telethonFile(7, { sessionsRows: [[2, "not an address!", 443, Buffer.from(KEY), null]] }),
				),
			"CORRUPT_DATA",
		);
		await expectTypedRejection(
			() => importTelethonFile(telethonFile(7, { entities: [[0n, 1n]] })),
			"CORRUPT_DATA",
		);
		const notSqlite = fresh("garbage");
		writeFileSync(notSqlite, Buffer.alloc(4096, 7));
		await expectTypedRejection(() => importTelethonFile(notSqlite), "CORRUPT_DATA");
		await expectTypedRejection(() => importPyrogramFile(notSqlite), "CORRUPT_DATA");
		await expectTypedRejection(() => importTelethonFile(pyrogramFile(3)), "CORRUPT_DATA");
		await expectTypedRejection(() => importTelethonFile(join(dir, "missing.session")), "IO");
	});

	it("export refuses sessions without a keyed home DC and leaves no temp files on failure", async () => {
		const path = fresh("nokey");
		await expectTypedRejection(
			() => exportTelethonFile(oneDc(2, "1.2.3.4:443", null), path),
			"INVALID_ARGUMENT",
		);
		await expectTypedRejection(
			() => exportTelethonFile(oneDc(2, "1.2.3.4:443", KEY), join(dir, "no-such-dir", "x.session")),
			"IO",
		);
		expect(readdirSync(dir).filter((f) => f.endsWith(".tmp") || f.endsWith("-journal"))).toEqual(
			[],
		);
		expect(existsSync(path)).toBe(false);
	});
});
