// Sessions with awkward content for the tests.
import { emptySession, type PersistedSession, SecretBytes } from "@x/session-core";

/** 256 bytes that are not valid UTF-8 (0xFF, 0xC3 0x28, lone continuation bytes, NULs). */
export function nonUtf8Key(seed: number): SecretBytes {
	const b = new Uint8Array(256);
	for (let i = 0; i < 256; i++) b[i] = (i * 37 + seed) & 0xff;
	b[0] = 0xff;
	b[1] = 0xc3;
	b[2] = 0x28;
	b[3] = 0x80;
	b[4] = 0x00;
	return new SecretBytes(b);
}

/** A session touching every field, with `peers` cached peers. */
export function richSession(peers = 5): PersistedSession {
	const s = emptySession();
	s.homeDcId = 2;
	s.dcs = [
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: nonUtf8Key(1),
			firstSalt: -(2n ** 63n),
			timeOffset: -3,
			flags: 0,
		},
		{
			dcId: 2,
			addr: "[2001:67c:4e8:f002::a]:443",
			authKey: nonUtf8Key(2),
			firstSalt: 2n ** 63n - 1n,
			timeOffset: 5,
			flags: 0x01,
		},
		{
			dcId: 2,
			addr: "149.154.167.222:443",
			authKey: null,
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0x02 | 0x10,
		},
		{
			dcId: 4,
			addr: "149.154.167.91:443",
			authKey: nonUtf8Key(4),
			firstSalt: 7n,
			timeOffset: 0x7fffffff,
			flags: 0xe0,
		},
	];
	s.updatesState = {
		pts: 100,
		qts: -1,
		date: 1_700_000_000,
		seq: 0x7fffffff,
		channels: [
			{ channelId: 1n, pts: 5 },
			{ channelId: 2n ** 62n, pts: -2 },
		],
	};
	const kinds = ["user", "chat", "channel", "community"] as const;
	for (let i = 0; i < peers; i++) {
		const kind = kinds[i % 4] as (typeof kinds)[number];
		s.peers.push({
			kind,
			id: BigInt(i + 1),
			accessHash: kind === "chat" ? 0n : BigInt(i) * 0x1234_5678_9abcn - 2n ** 62n,
			channelKind:
				kind === "channel"
					? ((["broadcast", "megagroup", "gigagroup"] as const)[i % 3] ?? null)
					: null,
		});
	}
	// same bare id, different kinds
	s.peers.push({ kind: "channel", id: 1n, accessHash: 99n, channelKind: null });
	s.minPeers = [
		{ userId: 10n, peerId: -(2n ** 40n), msgId: 7 },
		{ userId: 11n, peerId: 5n, msgId: -1 },
	];
	s.futureAuthToken = new SecretBytes(new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0x00, 0x80]));
	return s;
}
