import { encodedSize } from "./codec/binary.js";
import type { PersistedSession, SessionStats } from "./types.js";

/** Counts for diagnostics (no secrets). Unlike the reference, communities are not counted as users. */
export function sessionStats(session: PersistedSession): SessionStats {
	let users = 0;
	let chats = 0;
	let channels = 0;
	let communities = 0;
	let minChannels = 0;
	for (const p of session.peers) {
		if (p.kind === "user") users++;
		else if (p.kind === "chat") chats++;
		else if (p.kind === "community") communities++;
		else {
			channels++;
			if (p.accessHash === 0n) minChannels++;
		}
	}
	return {
		homeDcId: session.homeDcId,
		dcsTotal: session.dcs.length,
		dcsWithAuthKey: session.dcs.filter((d) => d.authKey !== null).length,
		peersTotal: session.peers.length,
		peersUsers: users,
		peersChats: chats,
		peersChannels: channels,
		peersCommunities: communities,
		peersMinChannels: minChannels,
		minPeers: session.minPeers.length,
		channelPtsEntries: session.updatesState.channels.length,
		updatesInitialised: session.updatesState.pts > 0,
		approxBytes: encodedSize(session),
	};
}
