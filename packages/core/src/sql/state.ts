import type { UpdateStateChange } from "../types.js";
import type { SqlExecutor, SqlValue } from "./driver.js";

// The update state: pts, qts, date and seq on the xs_sessions row, one xs_channel_pts row per
// channel. These are the hottest writes (one per update received): each change is one statement.

/** Update-state changes not written yet (coalescing). */
export interface PendingState {
	primary?: { pts: number; date: number; seq: number };
	qts?: number;
	channels: Map<bigint, number>;
}

export const UPSERT_CHANNEL = `INSERT INTO xs_channel_pts (session_id, channel_id, pts) VALUES (?, ?, ?)
	ON CONFLICT (session_id, channel_id) DO UPDATE SET pts = excluded.pts`;
const SET_PRIMARY = "UPDATE xs_sessions SET pts = ?, date = ?, seq = ? WHERE session_id = ?";
const SET_QTS = "UPDATE xs_sessions SET qts = ? WHERE session_id = ?";
const SET_ALL = "UPDATE xs_sessions SET pts = ?, qts = ?, date = ?, seq = ? WHERE session_id = ?";

/** Keeps `change` (not `"all"`) in `p` for the next write. */
export function coalesceState(p: PendingState, change: UpdateStateChange): void {
	if (change.type === "primary")
		p.primary = { pts: change.pts, date: change.date, seq: change.seq };
	else if (change.type === "secondary") p.qts = change.qts;
	else if (change.type === "channel") p.channels.set(change.channelId, change.pts);
}

/** The statements of coalesced changes, inside the caller's transaction. */
export async function writePending(tx: SqlExecutor, id: string, p: PendingState): Promise<void> {
	if (p.primary) await tx.run(SET_PRIMARY, [p.primary.pts, p.primary.date, p.primary.seq, id]);
	if (p.qts !== undefined) await tx.run(SET_QTS, [p.qts, id]);
	for (const [channelId, pts] of p.channels) await tx.run(UPSERT_CHANNEL, [id, channelId, pts]);
}

/** The one statement of a change other than `"all"` (checked), with its parameters. */
export function stateStatement(
	id: string,
	change: Exclude<UpdateStateChange, { type: "all" }>,
): [string, SqlValue[]] {
	switch (change.type) {
		case "primary":
			return [SET_PRIMARY, [change.pts, change.date, change.seq, id]];
		case "secondary":
			return [SET_QTS, [change.qts, id]];
		case "channel":
			return [UPSERT_CHANNEL, [id, change.channelId, change.pts]];
	}
}

/** The statements of one update-state change (checked), inside the caller's transaction. */
export async function writeState(
	tx: SqlExecutor,
	id: string,
	change: UpdateStateChange,
): Promise<void> {
	switch (change.type) {
		case "primary":
		case "secondary":
		case "channel":
			await tx.run(...stateStatement(id, change));
			return;
		case "all": {
			const st = change.state;
			await tx.run(SET_ALL, [st.pts, st.qts, st.date, st.seq, id]);
			await tx.run("DELETE FROM xs_channel_pts WHERE session_id = ?", [id]);
			for (const c of st.channels) await tx.run(UPSERT_CHANNEL, [id, c.channelId, c.pts]);
			return;
		}
	}
}
