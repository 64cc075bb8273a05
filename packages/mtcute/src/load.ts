import { type DcEntry, DcFlags, type PersistedSession, parseDcAddress } from "@x/session-core";
import { type BasicDcOption, int32Bytes, serializeDcOption } from "./codec.js";
import { homeEntries } from "./dc-entries.js";
import { CHANNEL_PTS, COUNTERS, FORMAT_VALUE, MTCUTE_KEYS, NAMESPACE } from "./keys.js";
import { peerInfoOf } from "./peers.js";
import type { StorageState } from "./state.js";

/**
 * Reads what loading needs: everything when resident, else only the format marker and the
 * reference messages (the rest is read per lookup). A session another client wrote is seeded.
 */
export async function readStored(state: StorageState): Promise<void> {
	if (state.resident) {
		const session = await state.backend.load();
		for (const [key, value] of session?.extensions ?? []) state.ext.set(key, value.expose());
		for (const peer of session?.peers ?? []) {
			const info = peerInfoOf(peer);
			if (info) state.resident.put(info);
		}
		for (const [key, value] of state.ext)
			if (key.startsWith(MTCUTE_KEYS.refs) && value) state.refs.loadBucket(value);
		if (session && ![...state.ext.keys()].some((k) => k.startsWith(NAMESPACE)))
			await seed(state, session);
		return;
	}
	const keys = await state.backend.listExtensionKeys(NAMESPACE);
	if (keys.includes(MTCUTE_KEYS.format)) state.ext.set(MTCUTE_KEYS.format, FORMAT_VALUE);
	for (const key of keys) {
		if (!key.startsWith(MTCUTE_KEYS.refs)) continue;
		const value = await state.value(key);
		if (value) state.refs.loadBucket(value);
	}
	if (keys.length === 0) {
		// nothing of mtcute's here yet: a session another client wrote is read once, to give
		// mtcute its DC, keys and counters (not its peers: lookups read them one at a time)
		const session = await state.backend.load({ peers: false });
		if (session) await seed(state, session);
	}
}

/** Gives mtcute what a session written by another client has: home DC, keys, update state. */
async function seed(state: StorageState, session: PersistedSession): Promise<void> {
	const home = homeEntries(session);
	const addr = home.main && parseDcAddress(home.main.addr);
	if (!home.main?.authKey || !addr) return;
	const values: [string, Uint8Array][] = [];
	const option = (entry: DcEntry, ip: string, port: number, mediaOnly: boolean): BasicDcOption => ({
		id: entry.dcId,
		ipAddress: ip,
		port,
		ipv6: (entry.flags & DcFlags.IPV6) !== 0,
		mediaOnly,
		testMode: false,
	});
	values.push([
		`${MTCUTE_KEYS.kv}dc_main`,
		serializeDcOption(option(home.main, addr.ip, addr.port, false)),
	]);
	const mediaAddr = home.media && parseDcAddress(home.media.addr);
	if (home.media && mediaAddr)
		values.push([
			`${MTCUTE_KEYS.kv}dc_media`,
			serializeDcOption(option(home.media, mediaAddr.ip, mediaAddr.port, true)),
		]);
	const keyed = new Set<number>();
	for (const dc of [home.main, ...session.dcs]) {
		if (!dc.authKey || keyed.has(dc.dcId) || dc.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN))
			continue;
		keyed.add(dc.dcId);
		values.push([MTCUTE_KEYS.authKey + dc.dcId, dc.authKey.expose()]);
	}
	const st = session.updatesState;
	if (st.pts > 0 || st.qts > 0 || st.date > 0 || st.seq > 0) {
		const counters = [st.pts, st.qts, st.date, st.seq];
		for (const [i, k] of COUNTERS.entries())
			values.push([MTCUTE_KEYS.kv + k, int32Bytes(counters[i] as number)]);
		for (const c of st.channels)
			if (c.pts >= 0)
				values.push([`${MTCUTE_KEYS.kv}${CHANNEL_PTS}${c.channelId}`, int32Bytes(c.pts, true)]);
	}
	values.push([MTCUTE_KEYS.format, FORMAT_VALUE]);
	await state.backend.applyChanges({ setExtensions: values });
	for (const [key, value] of values) state.ext.set(key, value);
}
