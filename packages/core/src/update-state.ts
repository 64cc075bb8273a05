import type { UpdateStateChange, UpdatesState } from "./types.js";

/** An update state with every counter at 0 and no channels: what a fresh session starts with. */
export function emptyUpdatesState(): UpdatesState {
	return { pts: 0, qts: 0, date: 0, seq: 0, channels: [] };
}

/** A deep copy of an update state (its channel list included). */
export function cloneUpdatesState(state: UpdatesState): UpdatesState {
	return { ...state, channels: state.channels.map((c) => ({ ...c })) };
}

/** The pts of a channel, or 0 when unknown. */
export function channelPts(state: UpdatesState, channelId: bigint): number {
	return state.channels.find((c) => c.channelId === channelId)?.pts ?? 0;
}

/** Updates the channel's pts or appends it. Mutates `state`. */
export function setChannelPts(state: UpdatesState, channelId: bigint, pts: number): void {
	const entry = state.channels.find((c) => c.channelId === channelId);
	if (entry) entry.pts = pts;
	else state.channels.push({ channelId, pts });
}

/** Applies a change to the update counters as the reference's `apply_to` does. Mutates `state`. */
export function applyUpdateStateChange(state: UpdatesState, change: UpdateStateChange): void {
	switch (change.type) {
		case "all":
			state.pts = change.state.pts;
			state.qts = change.state.qts;
			state.date = change.state.date;
			state.seq = change.state.seq;
			state.channels = change.state.channels.map((c) => ({ ...c }));
			return;
		case "primary":
			state.pts = change.pts;
			state.date = change.date;
			state.seq = change.seq;
			return;
		case "secondary":
			state.qts = change.qts;
			return;
		case "channel":
			setChannelPts(state, change.channelId, change.pts);
			return;
	}
}
