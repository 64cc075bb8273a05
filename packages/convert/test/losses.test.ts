import { DcFlags, emptySession, SecretBytes } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { conversionLosses } from "../src/index.js";

function session() {
	const s = emptySession();
	s.homeDcId = 2;
	const key = (n: number) => new SecretBytes(new Uint8Array(256).fill(n));
	s.dcs.push(
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: key(1),
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		},
		{
			dcId: 2,
			addr: "149.154.167.52:443",
			authKey: null,
			firstSalt: 0n,
			timeOffset: 0,
			flags: DcFlags.MEDIA_ONLY,
		},
		{
			dcId: 4,
			addr: "149.154.167.91:443",
			authKey: key(4),
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		},
	);
	for (let i = 0; i < 198; i++)
		s.peers.push({ kind: "user", id: BigInt(1000 + i), accessHash: 1n, channelKind: null });
	for (let i = 0; i < 5; i++) s.minPeers.push({ userId: BigInt(i + 1), peerId: 1000n, msgId: 1 });
	return s;
}

describe("conversionLosses", () => {
	it("telethon file: the other DC's key and the min peers (the issue's example)", () => {
		expect(conversionLosses(session(), "telethon-file")).toEqual([
			"the auth key of DC 4",
			"1 other DC address",
			"5 min peers",
		]);
	});

	it("mtcute keeps the home DC's media entry; strings drop the peers and say nothing of an empty update state", () => {
		expect(conversionLosses(session(), "mtcute")).toEqual([
			"the auth key of DC 4",
			"198 peers",
			"5 min peers",
		]);
		expect(conversionLosses(session(), "gramjs")).toContain("1 other DC address");
	});

	it("x-session holds the model; the source's own user id and bot flag are named where the target lacks them", () => {
		expect(conversionLosses(session(), "x-session")).toEqual([]);
		const facts = { userId: 5n, isBot: true };
		expect(conversionLosses(session(), "x-session", facts)).toEqual([
			"the account's own user id",
			"the bot flag",
		]);
		expect(conversionLosses(session(), "pyrogram", facts)).not.toContain("the bot flag");
		expect(conversionLosses(session(), "compact", facts)).toContain("the bot flag");
	});

	it("peer metadata, extensions, the token and the update state are counted", () => {
		const s = session();
		s.futureAuthToken = new SecretBytes(new Uint8Array([1]));
		s.updatesState.pts = 3;
		(s.peers[0] as { meta?: unknown }).meta = { usernames: ["a"], phone: null, name: null };
		s.extensions = new Map([["x.y", new SecretBytes(new Uint8Array([1]))]]);
		const out = conversionLosses(s, "telethon");
		expect(out).toContain("the update state");
		expect(out).toContain("the future auth token");
		expect(out).toContain("1 peer's metadata (username, phone, name)");
		expect(out).toContain("1 client extension value");
	});
});
