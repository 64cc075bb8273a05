import { upsertDc } from "../../dc-slots.js";
import { upsertPeers } from "../../peer-index.js";
import { upsertMinPeer } from "../../peers.js";
import { SecretBytes } from "../../secret.js";
import { cloneSession } from "../../session.js";
import type { PersistedSession, SessionChanges } from "../../types.js";
import { DcFlags } from "../../types.js";
import { applyUpdateStateChange } from "../../update-state.js";
import { seededBytes, testAuthKey, testDc, testPeer, testPeerMeta } from "../fixtures.js";

export const bytes = (s: SecretBytes | null) => (s ? Array.from(s.expose()) : null);

/** The ferogram parts of a batch (no extension data), and what they do to `session`. */
export function ferogramBatch(seed: number): SessionChanges {
	return {
		dcs: [
			testDc({ dcId: 2, addr: "10.2.0.1:443", authKey: testAuthKey(seed + 10), timeOffset: 4 }),
			testDc({ dcId: 2, addr: "[2001:db8::2]:443", flags: DcFlags.IPV6 }),
			testDc({ dcId: 7, addr: "10.7.0.1:80", firstSalt: -5n, flags: DcFlags.MEDIA_ONLY }),
		],
		homeDcId: 4,
		updateState: [
			{ type: "primary", pts: 5000 + seed, date: 1_800_000_000, seq: 9 },
			{ type: "secondary", qts: 321 },
			{ type: "channel", channelId: 1_500_000_002n, pts: 77 },
			{ type: "channel", channelId: 1_600_000_000n + BigInt(seed), pts: 3 },
		],
		peers: [
			testPeer("user", 1_000_000n, 0n), // a zero hash keeps the known one
			testPeer("channel", 9_000_001n, 91n, "megagroup"),
			testPeer("community", 9_000_002n, -92n),
		],
		deleteMinPeers: [777_000_002n, 123n],
		minPeers: [
			{ userId: 777_000_001n, peerId: 5n, msgId: 6 },
			{ userId: 888_000_000n + BigInt(seed), peerId: 9_000_001n, msgId: 12 },
		],
	};
}

/** `session` after `changes`, built with the granular methods' own rules, part by part. */
export function expectedAfter(
	session: PersistedSession,
	changes: SessionChanges,
): PersistedSession {
	const s = cloneSession(session);
	for (const dc of changes.dcs ?? []) upsertDc(s, dc);
	if (changes.homeDcId !== undefined) s.homeDcId = changes.homeDcId;
	for (const c of changes.updateState ?? []) applyUpdateStateChange(s.updatesState, c);
	upsertPeers(s, changes.peers ?? []);
	const gone = new Set(changes.deleteMinPeers ?? []);
	s.minPeers = s.minPeers.filter((m) => !gone.has(m.userId));
	for (const m of changes.minPeers ?? []) upsertMinPeer(s, m);
	for (const key of changes.deleteExtensions ?? []) s.extensions?.delete(key);
	for (const [key, value] of changes.setExtensions ?? []) {
		s.extensions ??= new Map();
		s.extensions.set(key, value instanceof SecretBytes ? value : new SecretBytes(value.slice()));
	}
	return s;
}

/** A batch with every part, extension data included. */
export function fullBatch(seed: number): SessionChanges {
	const batch = ferogramBatch(seed);
	return {
		...batch,
		peers: [
			...(batch.peers ?? []),
			{ ...testPeer("user", 9_000_003n, 93n), meta: testPeerMeta(seed + 30) },
		],
		deleteExtensions: ["mtcute:old", "never-set"],
		setExtensions: [
			["mtcute:dc_main", seededBytes(300, seed)],
			["mtcute:salts:2", new SecretBytes(new Uint8Array([0xff, 0, 0x80]))],
			["gramjs:empty", new Uint8Array(0)],
		],
	};
}
