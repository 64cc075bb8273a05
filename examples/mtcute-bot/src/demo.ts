// What a first login would leave behind, built by hand for the offline run: an mtcute session
// string (home DC 2, a fresh random auth key, a bot as the logged-in user) and the users and chats
// Telegram sends along with updates, as TL objects.
import { randomBytes } from "node:crypto";
import { Long, type tl } from "@mtcute/core";
import { encodeMtcuteString } from "@x/session-convert";
import { emptySession, SecretBytes } from "@x/session-core";

export const DEMO_BOT_ID = 7_000_001;
export const DEMO_USER = { id: 5_550_100, username: "mtcute_demo" } as const;
export const DEMO_CHANNEL = { id: 1_500_000_123, username: "demo_news" } as const;

/** A v3 mtcute string for DC 2 (main and media address) with 256 crypto-random key bytes. */
export function demoSessionString(): string {
	const session = emptySession();
	session.homeDcId = 2;
	session.dcs.push(
		{
			dcId: 2,
			addr: "149.154.167.50:443",
			authKey: new SecretBytes(new Uint8Array(randomBytes(256))),
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		},
		{
			dcId: 2,
			addr: "149.154.167.222:443",
			authKey: null,
			firstSalt: 0n,
			timeOffset: 0,
			flags: 2, // media only
		},
	);
	return encodeMtcuteString(session, { self: { userId: BigInt(DEMO_BOT_ID), isBot: true } });
}

/** An `updates` from the server carrying two users, a channel and a basic group. */
export function demoUpdates(): tl.RawUpdates {
	const photo: tl.TypeChatPhoto = { _: "chatPhotoEmpty" };
	return {
		_: "updates",
		updates: [],
		date: Math.floor(Date.now() / 1000),
		seq: 56,
		users: [
			{
				_: "user",
				id: DEMO_USER.id,
				accessHash: Long.fromBits(0x2468ace0, 0x13579bd),
				firstName: "Demo",
				username: DEMO_USER.username,
			},
			{
				_: "user",
				id: 5_550_101,
				accessHash: Long.fromBits(0x0badf00d, -2),
				firstName: "Helper",
				username: "demo_helper_bot",
				bot: true,
			},
		],
		chats: [
			{
				_: "channel",
				id: DEMO_CHANNEL.id,
				accessHash: Long.fromBits(0x1234, 0x5678),
				title: "Demo news",
				username: DEMO_CHANNEL.username,
				broadcast: true,
				photo,
				date: 0,
			},
			{
				_: "chat",
				id: 4_040_404,
				title: "Demo group",
				photo,
				participantsCount: 3,
				date: 0,
				version: 1,
			},
		],
	};
}
