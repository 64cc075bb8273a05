import { DcFlags, type PersistedSession, sessionStats } from "@x/session-core";
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
	dcs: { dcId: number; addr: string; flags: string[]; hasAuthKey: boolean; timeOffset: number }[];
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
	/** From compact strings, which carry it. */
	userId?: string;
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
	};
}

const n = (v: number) => v.toLocaleString("en-US");

/** The human-readable form of an {@link InspectReport}. */
export function formatReport(r: InspectReport): string {
	const sizeOf =
		r.size.of === "encoding"
			? " (v8 encoding)"
			: r.size.of === "string"
				? " characters"
				: " bytes on disk";
	const lines: [string, string][] = [
		["location", r.location],
		["format", r.version === null ? r.format : `${r.format} v${r.version}`],
		["size", `${n(r.size.bytes)}${r.size.of === "encoding" ? " bytes" : ""}${sizeOf}`],
		["home DC", r.homeDcId ? String(r.homeDcId) : "0 (not set)"],
		["DCs with keys", r.dcsWithKeys.join(", ") || "none"],
		["DCs without keys", r.dcsWithoutKeys.join(", ") || "none"],
		[
			"peers",
			`${n(r.peers.total)} (users ${n(r.peers.users)}, chats ${n(r.peers.chats)}, channels ${n(r.peers.channels)} of which min ${n(r.peers.minChannels)}, communities ${n(r.peers.communities)})`,
		],
		["min peers", n(r.minPeers)],
		["channel pts", `${n(r.channelPtsEntries)} entries`],
		[
			"update state",
			r.updateState.initialised
				? `pts ${r.updateState.pts}, qts ${r.updateState.qts}, seq ${r.updateState.seq}, date ${r.updateState.date ? new Date(r.updateState.date * 1000).toISOString() : "0"}`
				: "not initialised (pts 0)",
		],
		["future auth token", r.futureAuthToken ? "present (redacted)" : "none"],
	];
	if (r.userId !== undefined) lines.splice(3, 0, ["user id", r.userId]);
	const width = Math.max(...lines.map(([k]) => k.length));
	let out = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
	if (r.dcs.length) {
		out += "\n\nDC  address                                  key  flags\n";
		out += r.dcs
			.map(
				(d) =>
					`${String(d.dcId).padEnd(3)} ${d.addr.padEnd(40)} ${d.hasAuthKey ? "yes" : "no "}  ${d.flags.join(",") || "-"}`,
			)
			.join("\n");
	}
	return `${out}\n`;
}
