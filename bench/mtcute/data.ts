import type { PeerInfo } from "./subjects.js";

// The generated peers (the same every run) and the arithmetic of the report.

/** mulberry32: the same peers every run. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** 80% users (30% of them with a phone), 10% basic chats, 10% channels; all but chats with a username. */
export function peersOf(n: number): PeerInfo[] {
	const rnd = prng(0x5eed + n);
	const int32 = () => (rnd() * 2 ** 32) | 0;
	return Array.from({ length: n }, (_, i) => {
		const r = i % 10;
		const kind = r < 8 ? "user" : r === 8 ? "chat" : "channel";
		const bare = 100_000 + i * 13;
		const complete = new Uint8Array(150 + Math.floor(rnd() * 151));
		for (let j = 0; j < complete.length; j++) complete[j] = (rnd() * 256) | 0;
		const info: PeerInfo = {
			id: kind === "user" ? bare : kind === "chat" ? -bare : -1_000_000_000_000 - bare,
			accessHash: kind === "chat" ? "" : `${int32()}|${int32()}`,
			isMin: false,
			usernames: kind === "chat" ? [] : [`${kind}_${i.toString(36)}_bench`],
			updated: Date.now(),
			complete,
		};
		if (kind === "user" && rnd() < 0.3) info.phone = `1555${String(i).padStart(7, "0")}`;
		return info;
	});
}

export function int32Le(v: number): Uint8Array {
	const b = new Uint8Array(4);
	new DataView(b.buffer).setInt32(0, v, true);
	return b;
}

export function summary(samples: number[]): {
	medianMs: number;
	minMs: number;
	maxMs: number;
	runs: number;
} {
	const s = [...samples].sort((a, b) => a - b);
	return {
		medianMs: s[Math.floor(s.length / 2)] as number,
		minMs: s[0] as number,
		maxMs: s[s.length - 1] as number,
		runs: s.length,
	};
}
