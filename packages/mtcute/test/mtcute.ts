// The real @mtcute/node client, offline: every socket to anywhere but this machine throws, and
// the client gets a transport whose connect rejects (so a test that reaches the network fails
// instead of dialling Telegram).
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { TelegramClient } from "@mtcute/node";
import { encodeMtcuteString } from "@x/session-convert";
import { emptySession, SecretBytes } from "@x/session-core";
import type { MtcuteStorage } from "../src/index.js";

export { blockNetwork } from "../../core/test/offline.js";

/** A transport that never connects, with an inert packet codec (a throwing one crashes mtcute). */
export const offlineTransport = {
	connect: async () => {
		throw new Error("network blocked in tests");
	},
	packetCodec: () => ({
		tag: () => new Uint8Array(0),
		encode: () => undefined,
		decode: () => null,
		reset: () => undefined,
	}),
};

export function offlineClient(storage: MtcuteStorage): TelegramClient {
	return new TelegramClient({
		apiId: 1,
		apiHash: "0".repeat(32),
		storage: storage as never,
		transport: offlineTransport as never,
		logLevel: 0,
		storageOptions: { cleanup: false },
	});
}

/** An mtcute v3 string for DC 2 with a fresh key and a bot as the logged-in user. */
export function mtcuteString(ipv6 = false): string {
	const session = emptySession();
	session.homeDcId = 2;
	const key = new SecretBytes(new Uint8Array(randomBytes(256)));
	session.dcs.push({
		dcId: 2,
		addr: ipv6 ? "[2001:067c:04e8:f002:0000:0000:0000:000a]:443" : "149.154.167.50:443",
		authKey: key,
		firstSalt: 0n,
		timeOffset: 0,
		flags: ipv6 ? 1 : 0,
	});
	session.dcs.push({
		dcId: 2,
		addr: ipv6 ? "[2001:067c:04e8:f002:0000:0000:0000:000b]:443" : "149.154.167.222:443",
		authKey: null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: (ipv6 ? 1 : 0) | 2,
	});
	return encodeMtcuteString(session, { self: { userId: 7_000_001n, isBot: true } });
}

type LongLike = unknown;
const Long = createRequire(createRequire(import.meta.url).resolve("@mtcute/core"))("long") as {
	fromBits(low: number, high: number): LongLike;
};

/** Hand-built TL objects as the server would send them (min ones included). */
export function tlPeers() {
	const photo = { _: "chatPhotoEmpty" };
	return {
		users: [
			{
				_: "user",
				id: 4242,
				accessHash: Long.fromBits(424242, 7),
				firstName: "Alice",
				username: "alice_tl",
				phone: "15550004242",
			},
			{
				_: "user",
				id: 4343,
				accessHash: Long.fromBits(1, -1),
				firstName: "Bob",
				username: "bob_tl",
			},
			{
				_: "user",
				id: 4444,
				min: true,
				accessHash: Long.fromBits(99, 99),
				firstName: "Min",
				username: "min_tl",
			},
		],
		chats: [
			{
				_: "channel",
				id: 1183945448,
				accessHash: Long.fromBits(5, 6),
				title: "News",
				username: "news_tl",
				broadcast: true,
				photo,
				date: 0,
			},
			{ _: "chat", id: 5151, title: "Group", photo, participantsCount: 3, date: 0, version: 1 },
		],
	};
}
