import { DcFlags, type PersistedSession, sessionStats } from "@x/session-core";
import { authKeyId } from "./auth-key-id.js";
import type { ReadResult } from "./stores/store.js";

/** What `inspect` reports: counts and addresses, never key bytes, salts or tokens. */
export interface InspectReport {
	location: string;
	format: string;
	version: number | null;
	size: { bytes: number; of: "file" | "string" | "encoding" };
	homeDcId: number;
	/** DC ids that have an auth key in at least one entry. */
	dcsWithKeys: number[];
	/** DC ids none of whose entries has an auth key. */
	dcsWithoutKeys: number[];
	dcs: {
		dcId: number;
		addr: string;
		flags: string[];
		hasAuthKey: boolean;
		/** The key's auth key id (see {@link authKeyId}), `null` without a key: compares two copies. */
		authKeyId: string | null;
		timeOffset: number;
	}[];
	peers: {
		total: number;
		users: number;
		chats: number;
		channels: number;
		communities: number;
		minChannels: number;
	};
	minPeers: number;
	channelPtsEntries: number;
	updateState: { pts: number; qts: number; date: number; seq: number; initialised: boolean };
	futureAuthToken: boolean;
	/** The account's user id, from the strings and files that carry it (compact, Pyrogram, mtcute). */
	userId?: string;
	/** The account's bot flag, from Pyrogram and mtcute strings and Pyrogram files. */
	isBot?: boolean;
	/** The api_id a Pyrogram string or file carries. */
	apiId?: number;
}

const FLAG_NAMES: [number, string][] = [
	[DcFlags.IPV6, "ipv6"],
	[DcFlags.MEDIA_ONLY, "media-only"],
	[DcFlags.TCPO_ONLY, "tcpo-only"],
	[DcFlags.CDN, "cdn"],
	[DcFlags.STATIC, "static"],
];

function flagNames(flags: number): string[] {
	const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
	const unknown = flags & 0xe0;
	if (unknown) names.push(`0x${unknown.toString(16)}`);
	return names;
}

/** Builds the {@link InspectReport} of a session read from `location`. */
export function inspectReport(location: string, read: ReadResult): InspectReport {
	const s: PersistedSession = read.session;
	const stats = sessionStats(s);
	const keyed = new Set(s.dcs.filter((d) => d.authKey).map((d) => d.dcId));
	const all = [...new Set(s.dcs.map((d) => d.dcId))].sort((a, b) => a - b);
	const u = s.updatesState;
	return {
		location,
		format: read.format,
		version: read.version,
		size: read.size,
		homeDcId: s.homeDcId,
		dcsWithKeys: all.filter((id) => keyed.has(id)),
		dcsWithoutKeys: all.filter((id) => !keyed.has(id)),
		dcs: s.dcs.map((d) => ({
			dcId: d.dcId,
			addr: d.addr,
			flags: flagNames(d.flags),
			hasAuthKey: d.authKey !== null,
			authKeyId: d.authKey ? authKeyId(d.authKey) : null,
			timeOffset: d.timeOffset,
		})),
		peers: {
			total: stats.peersTotal,
			users: stats.peersUsers,
			chats: stats.peersChats,
			channels: stats.peersChannels,
			communities: stats.peersCommunities,
			minChannels: stats.peersMinChannels,
		},
		minPeers: stats.minPeers,
		channelPtsEntries: stats.channelPtsEntries,
		updateState: {
			pts: u.pts,
			qts: u.qts,
			date: u.date,
			seq: u.seq,
			initialised: stats.updatesInitialised,
		},
		futureAuthToken: s.futureAuthToken !== null,
		...(read.userId !== undefined ? { userId: read.userId.toString() } : {}),
		...(read.isBot !== undefined ? { isBot: read.isBot } : {}),
		...(read.apiId !== undefined ? { apiId: read.apiId } : {}),
	};
}

const n = (v: number) => v.toLocaleString("en-US");

/** `1 DC`, `2 DCs`, `1,200 peers`: a count with its noun, singular for one. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
	return `${n(count)} ${count === 1 ? singular : plural}`;
}

/** `3 DCs, 6 peers, 1 min peer`: what a session holds, for one-line results. */
export function sessionCounts(s: PersistedSession): string {
	return `${counted(s.dcs.length, "DC")}, ${counted(s.peers.length, "peer")}, ${counted(s.minPeers.length, "min peer")}`;
}

/** The size line: what the number measures, spelled out (an SQL store's is not its database's). */
function sizeText(size: InspectReport["size"]): string {
	switch (size.of) {
		case "file":
			return `${n(size.bytes)} bytes on disk`;
		case "string":
			return counted(size.bytes, "character");
		default:
			return `${n(size.bytes)} bytes as a v8 session file (the store keeps rows or keys; this is not the database's size)`;
	}
}

/** The human-readable form of an {@link InspectReport}. */
export function formatReport(r: InspectReport): string {
	const u = r.updateState;
	const lines: [string, string][] = [
		["location", r.location],
		["format", r.version === null ? r.format : `${r.format} v${r.version}`],
		["size", sizeText(r.size)],
		["home DC", r.homeDcId ? String(r.homeDcId) : "0 (not set)"],
		["DCs with keys", r.dcsWithKeys.join(", ") || "none"],
		["DCs without keys", r.dcsWithoutKeys.join(", ") || "none"],
		[
			"peers",
			`${n(r.peers.total)} (users ${n(r.peers.users)}, chats ${n(r.peers.chats)}, channels ${n(r.peers.channels)} of which min ${n(r.peers.minChannels)}, communities ${n(r.peers.communities)})`,
		],
		["min peers", n(r.minPeers)],
		["channel pts", counted(r.channelPtsEntries, "entry", "entries")],
		[
			"update state",
			u.initialised
				? `pts ${n(u.pts)}, qts ${n(u.qts)}, seq ${n(u.seq)}, date ${u.date ? new Date(u.date * 1000).toISOString() : "0"}`
				: "not initialised (pts 0)",
		],
		["future auth token", r.futureAuthToken ? "present (redacted)" : "none"],
	];
	if (r.userId !== undefined)
		lines.splice(3, 0, ["user id", `${r.userId}${r.isBot === true ? " (bot)" : ""}`]);
	if (r.apiId !== undefined) lines.splice(3, 0, ["api id", String(r.apiId)]);
	const width = Math.max(...lines.map(([k]) => k.length));
	let out = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
	if (r.dcs.length) {
		out += "\n\nDC  address                                  auth key id       flags\n";
		out += r.dcs
			.map(
				(d) =>
					`${String(d.dcId).padEnd(3)} ${d.addr.padEnd(40)} ${(d.authKeyId ?? "none").padEnd(16)}  ${d.flags.join(",") || "-"}`,
			)
			.join("\n");
	}
	return `${out}\n`;
}
