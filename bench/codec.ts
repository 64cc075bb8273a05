// `pnpm bench codec`: the v8 binary codec against JSON and against a plain copy of the same bytes.
// Sessions with 1k / 100k / 1M peers, plus 5 DCs with keys, 1k channel pts and 10k min peers.
//
// Baselines, per size:
// - "json (full)": sessionToJson + JSON.stringify, and JSON.parse + sessionFromJson — what storing the
//   same data as JSON really costs (bigints as decimal strings, keys as base64).
// - "json (raw)": JSON.stringify / JSON.parse alone on the already-converted JSON data — the more
//   generous baseline (no bigint conversion, no validation).
// - "floor": Uint8Array.prototype.slice of the encoded buffer — a memory-bound copy of the same bytes.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
	type CachedPeer,
	decodeSession,
	emptySession,
	encodeSession,
	type PersistedSession,
	SecretBytes,
	sessionFromJson,
	sessionToJson,
} from "@x/session-core";
import { type Measurement, report, time } from "./lib.js";

const SIZES = [1_000, 100_000, 1_000_000] as const;

// A full GC (untimed) before each subject's batch of runs, so no subject pays for another's
// garbage; within a batch, runs pay for their own garbage as they would in steady use.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * What decoding cannot go below in this data model: building the same number of peer objects
 * with two fresh bigints each (plus the min peers and channel pts), with no parsing at all.
 */
function allocationFloor(peers: number, minPeers: number, channels: number): unknown[] {
	const out: unknown[] = new Array(peers + minPeers + channels);
	let k = 0;
	for (let i = 0; i < peers; i++)
		out[k++] = { kind: "user", id: BigInt(i), accessHash: BigInt(-i), channelKind: null };
	for (let i = 0; i < minPeers; i++) out[k++] = { userId: BigInt(i), peerId: BigInt(-i), msgId: i };
	for (let i = 0; i < channels; i++) out[k++] = { channelId: BigInt(i), pts: i };
	return out;
}
const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M peers` : `${n / 1000}k peers`);

/** Deterministic pseudo-random i64s (xorshift), so ids and hashes use all 64 bits like real ones. */
function rng(seed: bigint): () => bigint {
	let x = seed;
	return () => {
		x ^= (x << 13n) & 0xffffffffffffffffn;
		x ^= x >> 7n;
		x ^= (x << 17n) & 0xffffffffffffffffn;
		return BigInt.asIntN(64, x);
	};
}

export function benchSession(peers: number): PersistedSession {
	const next = rng(0x9e3779b97f4a7c15n);
	const s = emptySession();
	s.homeDcId = 2;
	for (let dc = 1; dc <= 5; dc++) {
		const key = new Uint8Array(256).map((_, i) => (i * 31 + dc) & 255);
		s.dcs.push({
			dcId: dc,
			addr: `149.154.167.${dc}:443`,
			authKey: new SecretBytes(key),
			firstSalt: next(),
			timeOffset: -2,
			flags: 0,
		});
	}
	s.updatesState = { pts: 123456, qts: 42, date: 1_700_000_000, seq: 77, channels: [] };
	for (let i = 0; i < 1000; i++)
		s.updatesState.channels.push({ channelId: 1_000_000_000n + BigInt(i), pts: i * 3 });
	const kinds = ["broadcast", "megagroup", "gigagroup", null] as const;
	for (let i = 0; i < peers; i++) {
		const r = i % 10;
		const p: CachedPeer =
			r < 6
				? { kind: "user", id: BigInt(100_000 + i), accessHash: next(), channelKind: null }
				: r < 8
					? {
							kind: "channel",
							id: BigInt(1_000_000_000 + i),
							accessHash: r === 7 && i % 20 === 7 ? 0n : next(),
							channelKind: kinds[i % 4] ?? null,
						}
					: r === 8
						? { kind: "chat", id: BigInt(500_000 + i), accessHash: 0n, channelKind: null }
						: {
								kind: "community",
								id: BigInt(2_000_000_000 + i),
								accessHash: next(),
								channelKind: null,
							};
		s.peers.push(p);
	}
	for (let i = 0; i < 10_000; i++)
		s.minPeers.push({ userId: BigInt(900_000 + i), peerId: next(), msgId: i });
	return s;
}

// The v8 format counts peers in a u16 (at most 65535; more is an EncodeOverflowError), so 100k and
// 1M peers are stored as the full session with its first 65535 peers followed by peer-only
// sessions of at most 65535 peers each: the same entries and the same bytes per entry.
function chunks(s: PersistedSession): PersistedSession[] {
	const out: PersistedSession[] = [{ ...s, peers: s.peers.slice(0, 65_535) }];
	for (let i = 65_535; i < s.peers.length; i += 65_535) {
		const part = emptySession();
		part.peers = s.peers.slice(i, i + 65_535);
		out.push(part);
	}
	return out;
}

export async function run(): Promise<void> {
	const rows: Measurement[] = [];
	for (const n of SIZES) {
		const runs = n >= 1_000_000 ? 7 : n >= 100_000 ? 31 : 300;
		const size = label(n);
		const parts = chunks(benchSession(n));
		const encoded = parts.map((p) => encodeSession(p));
		const bytes = encoded.reduce((a, b) => a + b.length, 0);
		const jsonData = parts.map((p) => sessionToJson(p, { includeSecrets: true }));
		const jsonText = jsonData.map((j) => JSON.stringify(j));
		const jsonBytes = jsonText.reduce((a, t) => a + t.length, 0);
		const opts = { runs, warmup: 2 };
		const measure = (fn: () => unknown) => {
			gc();
			return time(fn, opts);
		};
		const mbs = (ms: number, b: number) => b / 1e6 / (ms / 1000);

		const enc = await measure(() => parts.map((p) => encodeSession(p)));
		const dec = await measure(() => encoded.map((b) => decodeSession(b)));
		const floor = await measure(() => encoded.map((b) => b.slice()));
		const allocFloor = await measure(() => allocationFloor(n, 10_000, 1_000));
		const jsonEncFull = await measure(() =>
			parts.map((p) => JSON.stringify(sessionToJson(p, { includeSecrets: true }))),
		);
		const jsonDecFull = await measure(() => jsonText.map((t) => sessionFromJson(JSON.parse(t))));
		const jsonEncRaw = await measure(() => jsonData.map((j) => JSON.stringify(j)));
		const jsonDecRaw = await measure(() => jsonText.map((t) => JSON.parse(t)));

		const row = (
			name: string,
			subject: string,
			t: typeof enc,
			b: number,
			extra: Record<string, number | string> = {},
		) =>
			rows.push({
				name,
				size,
				subject,
				...t,
				extra: { "MB/s": mbs(t.medianMs, b), bytes: b, ...extra },
			});
		row("encode", "x-session v8", enc, bytes, {
			"× faster than json full": jsonEncFull.medianMs / enc.medianMs,
			"× faster than json raw": jsonEncRaw.medianMs / enc.medianMs,
			"× floor": enc.medianMs / floor.medianMs,
		});
		row("decode", "x-session v8", dec, bytes, {
			"× faster than json full": jsonDecFull.medianMs / dec.medianMs,
			"× faster than json raw": jsonDecRaw.medianMs / dec.medianMs,
			"× floor": dec.medianMs / floor.medianMs,
			"× alloc floor": dec.medianMs / allocFloor.medianMs,
		});
		row("copy", "floor (slice)", floor, bytes);
		row("alloc", "alloc floor (objects + bigints)", allocFloor, bytes);
		row("encode", "json full", jsonEncFull, jsonBytes);
		row("decode", "json full", jsonDecFull, jsonBytes);
		row("encode", "json raw stringify", jsonEncRaw, jsonBytes);
		row("decode", "json raw parse", jsonDecRaw, jsonBytes);
	}
	report("codec", rows, [
		"Each session: 5 DCs with 256-byte keys, 1k channel pts, 10k min peers, and the given number of peers (60% users, 20% channels, 10% chats, 10% communities; 64-bit hashes).",
		"The v8 format counts peers in a u16 (65536+ is an EncodeOverflowError), so 100k and 1M peers are encoded as the full session with its first 65535 peers plus peer-only sessions of at most 65535 peers (each adds a 29-byte header); all rows of a size cover the same data.",
		"MB/s is over the encoded size (`bytes`): binary bytes for the codec and floor rows, JSON characters for JSON rows.",
		"json full = sessionToJson + JSON.stringify / JSON.parse + sessionFromJson; json raw = JSON.stringify / JSON.parse alone on the converted data (the more generous baseline).",
		"× floor = codec time / time of Uint8Array.prototype.slice of the encoded buffers (a memory-bound copy).",
		"alloc floor = creating the decoded objects alone (one object and two bigints per peer, min peer and channel), no parsing: the lower bound for decode in this data model; × alloc floor = decode time / that.",
		"A full GC runs (untimed) before each subject's batch of runs; within a batch each run pays for the garbage it creates (steady state).",
	]);
}
