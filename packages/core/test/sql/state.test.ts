// The update-state statements of the SQL layer on an in-memory SQLite database: each change type
// writes its columns only, "all" replaces the channel rows, and coalesced changes keep the last
// value of each field.
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/sql/migrate.js";
import { coalesceState, type PendingState, writePending, writeState } from "../../src/sql/state.js";
import { memoryDriver } from "./memory-driver.js";

async function withSession() {
	const d = memoryDriver();
	await migrate(d);
	d.db
		.prepare("INSERT INTO xs_sessions (session_id, pts, qts, date, seq) VALUES ('s', 1, 2, 3, 4)")
		.run();
	const head = () =>
		d.db.prepare("SELECT pts, qts, date, seq FROM xs_sessions").safeIntegers(false).get();
	const channels = () =>
		d.db
			.prepare("SELECT channel_id, pts FROM xs_channel_pts ORDER BY channel_id")
			.safeIntegers(true)
			.all();
	return { d, head, channels };
}

describe("SQL update state", () => {
	it("each change writes only its own columns; a channel is upserted; all replaces the channels", async () => {
		const { d, head, channels } = await withSession();
		await d.transaction((tx) =>
			writeState(tx, "s", { type: "primary", pts: 10, date: 11, seq: 12 }),
		);
		expect(head()).toEqual({ pts: 10, qts: 2, date: 11, seq: 12 });
		await d.transaction((tx) => writeState(tx, "s", { type: "secondary", qts: 20 }));
		expect(head()).toEqual({ pts: 10, qts: 20, date: 11, seq: 12 });
		const big = 2n ** 62n;
		await d.transaction((tx) => writeState(tx, "s", { type: "channel", channelId: big, pts: 5 }));
		await d.transaction((tx) => writeState(tx, "s", { type: "channel", channelId: big, pts: 6 }));
		expect(channels()).toEqual([{ channel_id: big, pts: 6n }]);
		const state = { pts: 1, qts: 1, date: 1, seq: 1, channels: [{ channelId: 7n, pts: 70 }] };
		await d.transaction((tx) => writeState(tx, "s", { type: "all", state }));
		expect(head()).toEqual({ pts: 1, qts: 1, date: 1, seq: 1 });
		expect(channels()).toEqual([{ channel_id: 7n, pts: 70n }]);
	});

	it("coalesced changes keep the last value of each field and write them in one go", async () => {
		const { d, head, channels } = await withSession();
		const p: PendingState = { channels: new Map() };
		coalesceState(p, { type: "primary", pts: 100, date: 1, seq: 1 });
		coalesceState(p, { type: "channel", channelId: 9n, pts: 1 });
		coalesceState(p, { type: "primary", pts: 101, date: 2, seq: 2 });
		coalesceState(p, { type: "channel", channelId: 9n, pts: 3 });
		expect(p.qts).toBeUndefined();
		await d.transaction((tx) => writePending(tx, "s", p));
		expect(head()).toEqual({ pts: 101, qts: 2, date: 2, seq: 2 });
		expect(channels()).toEqual([{ channel_id: 9n, pts: 3n }]);
	});
});
