// `pnpm bench redis`: the Redis backend against the server on 127.0.0.1:6379.
// Granular writes (applyUpdateState, cachePeer) one at a time and pipelined, at 10k/100k/1M cached
// peers (they should not depend on session size); full save and load; the floor is one PING.
// Uses its own random key prefix and deletes its keys at the end.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { type CachedPeer, emptySession, type PersistedSession } from "@x/session-core";
import { type RedisLike, RedisSessionBackend } from "@x/session-redis";
import { type Measurement, report, time } from "./lib.js";

const { Redis } = createRequire(import.meta.url)("ioredis") as {
	Redis: new (options: object) => RedisLike;
};

const SIZES = [10_000, 100_000, 1_000_000] as const;
const SEQUENTIAL_OPS = 5_000;
const PIPELINED_OPS = 20_000;
const IN_FLIGHT = 256;

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

function sessionWith(peers: number): PersistedSession {
	const s = emptySession();
	s.homeDcId = 2;
	s.dcs.push({
		dcId: 2,
		addr: "149.154.167.51:443",
		authKey: null,
		firstSalt: 1n,
		timeOffset: 0,
		flags: 0,
	});
	for (let i = 0; i < peers; i++) {
		s.peers.push({
			kind: i % 3 === 0 ? "channel" : "user",
			id: BigInt(i + 1),
			accessHash: BigInt(i) * 7919n,
			channelKind: null,
		});
	}
	return s;
}

async function windowed(
	total: number,
	inFlight: number,
	op: (i: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < total) await op(next++);
	};
	await Promise.all(Array.from({ length: inFlight }, worker));
}

async function deleteKeys(client: RedisLike, prefix: string): Promise<void> {
	let cursor = "0";
	do {
		const [c, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
		cursor = c;
		if (keys.length > 0) await client.unlink(...keys);
	} while (cursor !== "0");
}

/** Runs the benchmark and prints the table. */
export async function run(): Promise<void> {
	const client = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
	const prefix = `xsbench-${randomBytes(4).toString("hex")}`;
	const rows: Measurement[] = [];
	const add = (name: string, size: string, t: Awaited<ReturnType<typeof time>>, ops?: number) =>
		rows.push({
			name,
			size,
			subject: "x-session redis",
			...t,
			...(ops
				? {
						extra: {
							"ops/s": Math.round((ops / t.medianMs) * 1000),
							"µs/op": (t.medianMs * 1000) / ops,
						},
					}
				: {}),
		});
	try {
		const ping = await time(
			async () => {
				for (let i = 0; i < SEQUENTIAL_OPS; i++) await client.ping();
			},
			{ runs: 5, warmup: 2 },
		);
		rows.push({
			name: "PING round trip (floor)",
			size: "-",
			subject: "ioredis",
			...ping,
			extra: {
				"ops/s": Math.round((SEQUENTIAL_OPS / ping.medianMs) * 1000),
				"µs/op": (ping.medianMs * 1000) / SEQUENTIAL_OPS,
			},
		});
		const b = await RedisSessionBackend.open({
			client,
			prefix,
			sessionId: "bench",
			commandTimeout: 60_000,
		});
		try {
			let extra = 10_000_000;
			const newPeer = (): CachedPeer => ({
				kind: "user",
				id: BigInt(extra++),
				accessHash: 5n,
				channelKind: null,
			});
			for (const size of SIZES) {
				const session = sessionWith(size);
				if (size >= 100_000) {
					add(
						"save (full)",
						`${label(size)} peers`,
						await time(() => b.save(session), { runs: size >= 1_000_000 ? 3 : 5, warmup: 1 }),
					);
					add(
						"load",
						`${label(size)} peers`,
						await time(() => b.load(), { runs: size >= 1_000_000 ? 3 : 5, warmup: 1 }),
					);
				} else {
					await b.save(session);
				}
				const sz = `${label(size)} peers`;
				let pts = 1;
				add(
					"applyUpdateState, one at a time",
					sz,
					await time(
						async () => {
							for (let i = 0; i < SEQUENTIAL_OPS; i++)
								await b.applyUpdateState({ type: "primary", pts: pts++, date: 1, seq: 1 });
						},
						{ runs: 3 },
					),
					SEQUENTIAL_OPS,
				);
				add(
					`applyUpdateState, ${IN_FLIGHT} in flight`,
					sz,
					await time(
						() =>
							windowed(PIPELINED_OPS, IN_FLIGHT, () =>
								b.applyUpdateState({ type: "primary", pts: pts++, date: 1, seq: 1 }),
							),
						{
							runs: 3,
						},
					),
					PIPELINED_OPS,
				);
				add(
					"cachePeer, one at a time",
					sz,
					await time(
						async () => {
							for (let i = 0; i < SEQUENTIAL_OPS; i++) await b.cachePeer(newPeer());
						},
						{ runs: 3 },
					),
					SEQUENTIAL_OPS,
				);
				add(
					`cachePeer, ${IN_FLIGHT} in flight`,
					sz,
					await time(() => windowed(PIPELINED_OPS, IN_FLIGHT, () => b.cachePeer(newPeer())), {
						runs: 3,
					}),
					PIPELINED_OPS,
				);
				// merge path: re-caching a known peer with hash 0 (reads and keeps the stored hash)
				add(
					`cachePeer (merge into known), ${IN_FLIGHT} in flight`,
					sz,
					await time(
						() =>
							windowed(PIPELINED_OPS, IN_FLIGHT, (i) =>
								b.cachePeer({
									kind: "user",
									id: BigInt((i % size) + 1),
									accessHash: 0n,
									channelKind: null,
								}),
							),
						{ runs: 3 },
					),
					PIPELINED_OPS,
				);
			}
		} finally {
			await b.close();
		}
	} finally {
		await deleteKeys(client, prefix);
		await client.quit();
	}
	report("redis", rows, [
		"Redis 7.0 on 127.0.0.1:6379 (no persistence), ioredis 6, one connection. Granular writes are one EVALSHA each (lease and fencing check included).",
		`"one at a time" awaits each call (${SEQUENTIAL_OPS} ops); "in flight" keeps ${IN_FLIGHT} calls outstanding (${PIPELINED_OPS} ops), which ioredis pipelines on the connection.`,
		"Granular rows should be flat across session sizes: each touches one hash field. Save stages into temporary hashes and renames them in one script; load is one MULTI of five HGETALLs.",
	]);
}
