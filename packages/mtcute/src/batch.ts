import type { CachedMinPeer, DcEntry, SessionChanges, UpdateStateChange } from "@x/session-core";
import { parseDcOption, readInt32 } from "./codec.js";
import { dcEntryOf } from "./dc-entries.js";
import { CHANNEL_PTS, COUNTERS, FORMAT_VALUE, MTCUTE_KEYS } from "./keys.js";
import { cachedPeersOf, type PeerInfo } from "./peers.js";
import type { StorageState } from "./state.js";

const I32_MAX = 0x7fff_ffff;

/** The batch for one save: mtcute's data as written, plus its typed projection for other readers. */
export async function changesOf(
	state: StorageState,
	kv: Map<string, Uint8Array | null>,
	peers: Map<number, PeerInfo>,
	buckets: number[],
	users: number[],
): Promise<SessionChanges> {
	const setExtensions: [string, Uint8Array][] = [];
	const deleteExtensions: string[] = [];
	for (const [key, value] of kv) {
		if (value) setExtensions.push([MTCUTE_KEYS.kv + key, value]);
		else deleteExtensions.push(MTCUTE_KEYS.kv + key);
	}
	if (!state.ext.get(MTCUTE_KEYS.format)) setExtensions.push([MTCUTE_KEYS.format, FORMAT_VALUE]);
	const changes: SessionChanges = { setExtensions, deleteExtensions };
	const dcs: DcEntry[] = [];
	const main = parseDcOption(kv.get("dc_main") ?? null);
	if (main) {
		const entry = dcEntryOf(main, await state.value(MTCUTE_KEYS.authKey + main.id));
		if (entry) {
			dcs.push(entry);
			changes.homeDcId = main.id;
		}
	}
	const media = parseDcOption(kv.get("dc_media") ?? null);
	const mediaEntry = media && dcEntryOf({ ...media, mediaOnly: true }, null);
	if (mediaEntry) dcs.push(mediaEntry);
	changes.dcs = dcs;
	changes.updateState = await stateChanges(state, kv);
	changes.peers = cachedPeersOf(peers.values());
	for (const b of buckets) {
		const value = state.refs.bucket(b);
		if (value) setExtensions.push([MTCUTE_KEYS.refs + b, value]);
		else deleteExtensions.push(MTCUTE_KEYS.refs + b);
	}
	const minPeers: CachedMinPeer[] = [];
	const deleteMinPeers: bigint[] = [];
	for (const user of users) {
		const context = state.refs.minPeerOf(user);
		if (context) minPeers.push(context);
		else deleteMinPeers.push(BigInt(user));
	}
	return { ...changes, minPeers, deleteMinPeers };
}

/** Typed update state: the four counters together once all are known, and channel pts. */
async function stateChanges(
	state: StorageState,
	kv: Map<string, Uint8Array | null>,
): Promise<UpdateStateChange[]> {
	const out: UpdateStateChange[] = [];
	if (COUNTERS.some((k) => kv.has(k))) {
		const [pts, qts, date, seq] = await Promise.all(
			COUNTERS.map(async (k) => readInt32(await state.kvGet(k))),
		);
		if (pts != null && qts != null && date != null && seq != null)
			out.push({ type: "primary", pts, date, seq }, { type: "secondary", qts });
	}
	for (const [key, value] of kv) {
		if (!key.startsWith(CHANNEL_PTS)) continue;
		const id = key.slice(CHANNEL_PTS.length);
		const pts = readInt32(value, true);
		if (pts !== null && pts <= I32_MAX && /^\d{1,18}$/.test(id))
			out.push({ type: "channel", channelId: BigInt(id), pts });
	}
	return out;
}
