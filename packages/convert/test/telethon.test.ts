import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalSession, DcFlags, type PersistedSession, SecretBytes } from "@x/session-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	decodeForeignSession,
	encodeTelethonString,
	exportTelethonFile,
	importTelethonFile,
} from "../src/index.js";
import { hex, makeKey, oneDc, runPython, telethonAvailable } from "./helpers.js";

// Round trips through the real Telethon 1.25 (Debian's python3-telethon) run as /usr/bin/python3
// subprocesses. No network: Telethon's sessions are used without a client.

const available = await telethonAvailable();
const dir = mkdtempSync(join(tmpdir(), "convert-telethon-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ReadString {
	dc: number;
	address: string;
	port: number;
	key: string | null;
}

describe.skipIf(!available)("Telethon 1.25 StringSession", () => {
	const cases: [string, number, string, number][] = [
		["IPv4", 2, "149.154.167.51", 443],
		["IPv6", 4, "2001:67c:4e8:f004::a", 443],
		["IPv4 high port", 5, "91.108.56.130", 65000],
	];

	it.each(cases)("Telethon writes, we decode: %s", (_name, dc, ip, port) => {
		const key = makeKey(dc + port);
		const { string } = runPython<{ string: string }>("telethon_string_write", {
			dc,
			ip,
			port,
			key: hex(key),
		});
		const decoded = decodeForeignSession(string);
		expect(decoded.format).toBe("telethon");
		expect(decoded.session.homeDcId).toBe(dc);
		expect(decoded.session.dcs[0]?.addr).toBe(
			ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`,
		);
		expect(decoded.session.dcs[0]?.flags).toBe(ip.includes(":") ? DcFlags.IPV6 : 0);
		expect(decoded.session.dcs[0]?.authKey?.equals(key)).toBe(true);
		expect(encodeTelethonString(decoded.session)).toBe(string);
	});

	it.each(cases)("we encode, Telethon loads: %s", (_name, dc, ip, port) => {
		const key = makeKey(dc * 5 + port);
		const ours = encodeTelethonString(
			oneDc(dc, ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`, key),
		);
		const read = runPython<ReadString>("telethon_string_read", { string: ours });
		expect(read).toEqual({ dc, address: ip, port, key: hex(key) });
	});
});

describe.skipIf(!available)("Telethon 1.25 .session files", () => {
	const key = makeKey(42);
	const users = [
		{ id: "1234567", hash: "-8000000000000000001", username: "Alice", phone: "15550001" },
		{ id: "7000000001", hash: "9123456789012345678" },
		{ id: "555", hash: "1" }, // same bare id as a chat and a channel below
	];
	const chats = [{ id: "555" }, { id: "987654" }];
	const channels = [
		{ id: "555", hash: "-42", megagroup: true },
		{ id: "1700000000", hash: "77777777777", username: "news" },
	];
	const state = { pts: 12345, qts: 7, date: 1_700_000_000, seq: 99 };
	const channelStates = [
		{ id: "1700000000", pts: 4242 },
		{ id: "555", pts: 1 },
	];
	let telethonPath = "";

	beforeAll(() => {
		telethonPath = join(dir, "from-telethon.session");
		runPython("telethon_file_write", {
			path: telethonPath,
			dc: 2,
			ip: "149.154.167.51",
			port: 443,
			key: hex(key),
			takeout: "123456789012",
			users,
			chats,
			channels,
			state,
			channelStates,
		});
	});

	it("imports a file Telethon wrote: DC, key, entities (bare id + kind), update state, channel pts", async () => {
		const { session, extra } = await importTelethonFile(telethonPath);
		expect(extra).toEqual({
			version: 7,
			takeoutId: 123456789012n,
			entitiesSkipped: 0,
			metadataDropped: 0,
		});
		expect(session.homeDcId).toBe(2);
		expect(session.dcs).toHaveLength(1);
		expect(session.dcs[0]?.addr).toBe("149.154.167.51:443");
		expect(session.dcs[0]?.authKey?.equals(key)).toBe(true);
		const peers = canonicalSession(session).peers.map((p) => [
			p.kind,
			String(p.id),
			String(p.accessHash),
		]);
		const expected = [
			...users.map((u) => ["user", u.id, u.hash]),
			...chats.map((c) => ["chat", c.id, "0"]),
			...channels.map((c) => ["channel", c.id, c.hash]),
		];
		expect(peers.sort()).toEqual(expected.sort()); // the min user (999000111) was skipped by Telethon
		expect(session.updatesState).toMatchObject(state);
		expect(session.updatesState.channels.map((c) => [String(c.channelId), c.pts]).sort()).toEqual(
			channelStates.map((c) => [c.id, c.pts]).sort(),
		);
	});

	it("keeps each entity's username, phone, name and date as the peer's metadata", async () => {
		const { session } = await importTelethonFile(telethonPath);
		const meta = (kind: string, id: string) =>
			session.peers.find((p) => p.kind === kind && String(p.id) === id)?.meta;
		const alice = meta("user", "1234567");
		expect(alice).toMatchObject({ usernames: ["alice"], phone: "15550001", name: "u" });
		// Telethon writes time.time() as the row's date: kept in milliseconds
		expect(alice?.updatedAt).toBeGreaterThan(1_700_000_000_000);
		expect(meta("channel", "1700000000")).toMatchObject({ usernames: ["news"], name: "channel" });
		expect(meta("chat", "987654")).toMatchObject({ usernames: [], phone: null, name: "chat" });
	});

	it("exports the metadata into Telethon's columns: Telethon finds peers by username, phone and name", async () => {
		const s = oneDc(2, "149.154.167.51:443", key);
		const meta = (usernames: string[], phone: string | null, name: string | null) => ({
			usernames,
			phone,
			name,
			updatedAt: 1_710_000_000_123,
			isMin: false,
			data: null,
		});
		s.peers = [
			{
				kind: "user",
				id: 42n,
				accessHash: 7n,
				channelKind: null,
				meta: meta(["ann", "ann_alt"], "15550100", "Ann Lee"),
			},
			{
				kind: "channel",
				id: 1_600_000_000n,
				accessHash: -9n,
				channelKind: "broadcast",
				meta: meta(["news_x"], null, "News"),
			},
			{ kind: "chat", id: 77n, accessHash: 0n, channelKind: null },
		];
		const path = join(dir, "with-meta.session");
		await exportTelethonFile(s, path);
		const found = runPython<Record<string, unknown>>("telethon_file_lookup", {
			path,
			usernames: ["ann", "news_x", "ann_alt"],
			phones: ["15550100"],
			names: ["Ann Lee", "News"],
		});
		expect(found).toEqual({
			// Telethon keeps one username a row: the first
			byUsername: [["42", "7"], ["-1001600000000", "-9"], null],
			byPhone: [["42", "7"]],
			byName: [
				["42", "7"],
				["-1001600000000", "-9"],
			],
		});
		const back = await importTelethonFile(path);
		const ann = back.session.peers.find((p) => p.kind === "user")?.meta;
		// the date is whole seconds in Telethon's column
		expect(ann).toEqual({ ...meta(["ann"], "15550100", "Ann Lee"), updatedAt: 1_710_000_000_000 });
		expect(back.session.peers.find((p) => p.kind === "chat")?.meta).toBeUndefined();
	});

	function richSession(): PersistedSession {
		const s = oneDc(4, "149.154.167.91:443", key);
		s.dcs.push({
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: new SecretBytes(makeKey(2)),
			firstSalt: 5n,
			timeOffset: 1,
			flags: 0,
		});
		s.updatesState = {
			pts: 500,
			qts: 3,
			date: 1_710_000_000,
			seq: 8,
			channels: [{ channelId: 1_800_000_000n, pts: 66 }],
		};
		s.peers = [
			{ kind: "user", id: 10n, accessHash: -5n, channelKind: null },
			{ kind: "chat", id: 10n, accessHash: 0n, channelKind: null },
			{ kind: "channel", id: 10n, accessHash: 1234567890123n, channelKind: "megagroup" },
			{ kind: "channel", id: 11n, accessHash: 0n, channelKind: null }, // min channel: dropped
			{ kind: "community", id: 12n, accessHash: 9n, channelKind: null }, // no marked form: dropped
		];
		s.minPeers = [{ userId: 1n, peerId: 2n, msgId: 3 }];
		return s;
	}

	it("exports a file Telethon opens: 0600, schema 7, DC, key, entities and states as Telethon reads them", async () => {
		const path = join(dir, "ours.session");
		const report = await exportTelethonFile(richSession(), path, { takeoutId: 99n });
		expect(report).toEqual({
			dcId: 4,
			entities: 3,
			channelStates: 1,
			dropped: {
				dcs: 1,
				communities: 1,
				minChannels: 1,
				outOfRange: 0,
				minPeers: 1,
				futureAuthToken: false,
			},
		});
		expect(statSync(path).mode & 0o777).toBe(0o600);
		const read = runPython<Record<string, unknown>>("telethon_file_read", {
			path,
			lookups: [
				["user", "10"],
				["chat", "10"],
				["channel", "10"],
				["channel", "11"],
			],
		});
		expect(read).toEqual({
			versionBefore: 7,
			dc: 4,
			address: "149.154.167.91",
			port: 443,
			key: hex(key),
			takeout: "99",
			peers: [["user", "10", "-5"], ["chat", "10", "0"], ["channel", "10", "1234567890123"], null],
			states: [
				["0", 500, 3, 1_710_000_000, 8],
				["1800000000", 66, 0, 0, 0],
			],
		});
		// and we read back what we wrote
		const back = await importTelethonFile(path);
		expect(back.session.updatesState).toEqual(richSession().updatesState);
		expect(back.session.peers).toHaveLength(3);
	});

	it("refuses to overwrite an existing file unless asked, and then replaces it atomically", async () => {
		const path = join(dir, "twice.session");
		await exportTelethonFile(oneDc(2, "149.154.167.51:443", key), path);
		await expect(
			exportTelethonFile(oneDc(2, "149.154.167.51:443", key), path),
		).rejects.toMatchObject({ code: "INVALID_ARGUMENT", backend: "convert" });
		await exportTelethonFile(oneDc(5, "91.108.56.130:443", key), path, { overwrite: true });
		const read = runPython<{ dc: number }>("telethon_file_read", { path, lookups: [] });
		expect(read.dc).toBe(5);
	});
});
