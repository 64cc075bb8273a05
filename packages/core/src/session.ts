import { clonePeer } from "./extensions.js";
import type { SecretBytes } from "./secret.js";
import type { PersistedSession } from "./types.js";
import { cloneUpdatesState, emptyUpdatesState } from "./update-state.js";

/** A session with nothing in it: home DC 0, no DCs, zero counters, empty caches. */
export function emptySession(): PersistedSession {
	return {
		homeDcId: 0,
		dcs: [],
		updatesState: emptyUpdatesState(),
		peers: [],
		minPeers: [],
		futureAuthToken: null,
	};
}

/**
 * A deep copy. Secrets are immutable and shared. Use this rather than `structuredClone`,
 * which cannot copy {@link SecretBytes}.
 */
export function cloneSession(session: PersistedSession): PersistedSession {
	const copy: PersistedSession = {
		homeDcId: session.homeDcId,
		dcs: session.dcs.map((dc) => ({ ...dc })),
		updatesState: cloneUpdatesState(session.updatesState),
		peers: session.peers.map(clonePeer),
		minPeers: session.minPeers.map((m) => ({ ...m })),
		futureAuthToken: session.futureAuthToken,
	};
	if (session.extensions?.size) copy.extensions = new Map(session.extensions);
	return copy;
}
