// Moving an mtcute session in and out: strings (via @x/session-convert) and mtcute's own
// SqliteStorage file, checked against the real client.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { SqliteStorage, TelegramClient } from "@mtcute/node";
import { decodeMtcuteString, encodeMtcuteString } from "@x/session-convert";
import { isSessionError, SessionCipher, withEncryptedSecrets } from "@x/session-core";
import { FileSessionBackend } from "@x/session-file";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
	exportMtcuteString,
	importMtcuteSqlite,
	importMtcuteString,
	mtcuteStorage,
} from "../src/index.js";
import { blockNetwork, mtcuteString, offlineClient, offlineTransport, tlPeers } from "./mtcute.js";

let unblock: () => void;
beforeAll(() => {
	unblock = blockNetwork();
});
afterAll(() => unblock());

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
	const d = mkdtempSync(join(tmpdir(), "xs-mtcute-"));
	dirs.push(d);
	return d;
}

// biome-ignore lint/suspicious/noExplicitAny: the client's storage services
const services = (client: TelegramClient): any =>
	(client as unknown as { storage: unknown }).storage;

describe("mtcute strings", () => {
	for (const ipv6 of [false, true]) {
		it(`import, then the real client and exportMtcuteString give the same string (${ipv6 ? "IPv6" : "IPv4"})`, async () => {
			const text = mtcuteString(ipv6);
			const database = join(tempDir(), "bots.db");
			const storage = mtcuteStorage(await SqliteSessionBackend.open({ database }));
			await importMtcuteString(text, storage);
			expect(await exportMtcuteString(storage)).toBe(text);
			await expect(importMtcuteString(mtcuteString(), storage)).rejects.toSatisfy(
				(e) => isSessionError(e) && /replace: true/.test((e as Error).message),
			);
			await storage.destroy();
			const client = offlineClient(mtcuteStorage(await SqliteSessionBackend.open({ database })));
			await client.prepare();
			expect(await client.exportSession()).toBe(text);
			expect(await services(client).self.fetch()).toMatchObject({ userId: 7_000_001, isBot: true });
			await client.destroy();
		});
	}

	it("exports what the client imported, and refuses a storage without a session", async () => {
		const storage = mtcuteStorage(
			await SqliteSessionBackend.open({ database: join(tempDir(), "b.db") }),
		);
		await expect(exportMtcuteString(storage)).rejects.toSatisfy(isSessionError);
		const client = offlineClient(storage);
		await client.prepare();
		const text = mtcuteString();
		await client.importSession(text, true);
		expect(await exportMtcuteString(storage)).toBe(text);
		await client.destroy();
	});
});

describe("sessions written by other clients", () => {
	it("give mtcute their home DC, key and update state, read once", async () => {
		const path = join(tempDir(), "bot.session");
		const { session } = decodeMtcuteString(mtcuteString());
		session.updatesState = {
			pts: 10,
			qts: 2,
			date: 1_733_000_000,
			seq: 3,
			channels: [{ channelId: 77n, pts: 5 }],
		};
		const other = await FileSessionBackend.open({ path });
		await other.save(session); // as ferogram or the GramJS adapter would have
		await other.close();
		const client = offlineClient(mtcuteStorage(await FileSessionBackend.open({ path })));
		await client.prepare();
		expect(await client.exportSession()).toBe(encodeMtcuteString(session));
		expect(await services(client).updates.getState()).toEqual([10, 2, 1_733_000_000, 3]);
		expect(await services(client).updates.getChannelPts(77)).toBe(5);
		await client.destroy();
	});
});

describe("secrets", () => {
	it("never show in inspect, JSON or errors of the storage", async () => {
		const storage = mtcuteStorage(
			await SqliteSessionBackend.open({ database: join(tempDir(), "b.db") }),
		);
		const text = mtcuteString();
		await importMtcuteString(text, storage);
		const key = Buffer.from((await storage.authKeys.get(2)) as Uint8Array);
		const shown = [
			inspect(storage, { depth: 10, showHidden: true }),
			JSON.stringify(storage) ?? "",
		].join("\n");
		for (const needle of [key.toString("hex"), key.toString("base64"), text])
			expect(shown).not.toContain(needle);
		await storage.destroy();
	});

	it("are encrypted at rest through withEncryptedSecrets, mtcute's copies included", async () => {
		const database = join(tempDir(), "bots.db");
		const cipher = await SessionCipher.create({ key: new Uint8Array(randomBytes(32)) });
		const open = async () =>
			withEncryptedSecrets(await SqliteSessionBackend.open({ database }), cipher);
		const text = mtcuteString();
		const storage = mtcuteStorage(await open());
		await importMtcuteString(text, storage);
		const temp = new Uint8Array(randomBytes(256));
		await storage.authKeys.setTemp(2, 0, temp, 1e15);
		const key = Buffer.from((await storage.authKeys.get(2)) as Uint8Array);
		await storage.destroy();
		const file = Buffer.concat(
			[database, `${database}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
		);
		expect(file.includes(key)).toBe(false);
		expect(file.includes(Buffer.from(temp))).toBe(false);
		const again = mtcuteStorage(await open());
		expect(await exportMtcuteString(again)).toBe(text);
		expect(await again.authKeys.getTemp(2, 0, 1)).toEqual(temp);
		await again.destroy();
	});
});

describe("mtcute's SqliteStorage file", () => {
	it("is copied whole: session, peers, update state and reference messages", async () => {
		const dir = tempDir();
		const source = join(dir, "client.session");
		const text = mtcuteString();
		// written by mtcute itself
		const theirs = new TelegramClient({
			apiId: 1,
			apiHash: "0".repeat(32),
			storage: new SqliteStorage(source),
			transport: offlineTransport as never,
			logLevel: 0,
			storageOptions: { cleanup: false },
		});
		await theirs.prepare();
		await theirs.importSession(text, true);
		await services(theirs).peers.updatePeersFrom(tlPeers());
		const updates = services(theirs).updates;
		await updates.setPts(500);
		await updates.setQts(5);
		await updates.setDate(1_733_000_000);
		await updates.setSeq(50);
		await updates.setChannelPts(1183945448, 42);
		await services(theirs).refMsgs.store(4444, -1001183945448, 9);
		await (theirs as unknown as { storage: { mt: { save(): Promise<void> } } }).storage.mt.save();
		await theirs.destroy();

		const database = join(dir, "bots.db");
		const storage = mtcuteStorage(await SqliteSessionBackend.open({ database }));
		expect(await importMtcuteSqlite(source, storage)).toEqual({ peers: 5, refMessages: 1 });
		await storage.destroy();

		const ours = offlineClient(mtcuteStorage(await SqliteSessionBackend.open({ database })));
		await ours.prepare();
		expect(await ours.exportSession()).toBe(text);
		expect(await ours.resolvePeer("alice_tl")).toMatchObject({ userId: 4242 });
		expect(await ours.resolvePeer(-1001183945448)).toMatchObject({ channelId: 1183945448 });
		expect(await services(ours).updates.getState()).toEqual([500, 5, 1_733_000_000, 50]);
		expect(await services(ours).updates.getChannelPts(1183945448)).toBe(42);
		expect(await services(ours).refMsgs.getForPeer(4444)).toEqual([-1001183945448, 9]);
		await ours.destroy();
	});

	it("refuses a file that is not mtcute's, and a missing one", async () => {
		const storage = mtcuteStorage(
			await SqliteSessionBackend.open({ database: join(tempDir(), "b.db") }),
		);
		const other = join(tempDir(), "other.db");
		(await SqliteSessionBackend.open({ database: other })).close();
		await expect(importMtcuteSqlite(other, storage)).rejects.toSatisfy(
			(e) => isSessionError(e) && /not an mtcute SqliteStorage/.test((e as Error).message),
		);
		await expect(importMtcuteSqlite(join(tempDir(), "missing.db"), storage)).rejects.toSatisfy(
			isSessionError,
		);
		await storage.destroy();
	});
});

describe("the network guard", () => {
	it("refuses net.connect, createConnection and Socket#connect to a remote host", async () => {
		const net = await import("node:net");
		expect(() => net.connect(443, "149.154.167.50")).toThrow(/network blocked/);
		expect(() => net.createConnection({ host: "149.154.167.50", port: 443 })).toThrow(
			/network blocked/,
		);
		expect(() => new net.Socket().connect(443, "149.154.167.50")).toThrow(/network blocked/);
	});
});
