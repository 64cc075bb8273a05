// The results as a markdown table: one row per backend, N and subject, ours beside the raw driver.
import type { AccountsRow } from "./measure.js";

const num = (v: number | undefined, digits = 0): string =>
	v === undefined || Number.isNaN(v)
		? "—"
		: v.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const ms = (v: number) => num(v, v < 10 ? 2 : v < 100 ? 1 : 0);

const HEAD = [
	"backend",
	"subject",
	"N",
	"opened",
	"open s",
	"ops/s",
	"vs raw",
	"p50 ms",
	"p99 ms",
	"loop delay p99 / max ms",
	"100 ms timer late ms",
	"server conns",
	"+fds",
	"RSS/session KiB",
	"+timers",
	"+handles",
	"errors",
	"lost leases",
	"rival takeovers",
	"left after close",
];

export function accountsTable(rows: AccountsRow[]): string {
	const raw = (r: AccountsRow) =>
		rows.find((o) => o.backend === r.backend && o.n === r.n && o.subject === "raw driver");
	const line = (r: AccountsRow) => {
		const peer = r.subject === "x-session" ? raw(r) : undefined;
		const ratio = peer ? r.load.opsPerSecond / peer.load.opsPerSecond : undefined;
		return [
			r.backend,
			r.subject,
			num(r.n),
			num(r.opened),
			num(r.openSeconds, 1),
			num(r.load.opsPerSecond),
			ratio === undefined ? "" : `${num(ratio, 2)}×`,
			ms(r.load.p50Ms),
			ms(r.load.p99Ms),
			`${ms(r.load.loopDelayP99Ms)} / ${ms(r.load.loopDelayMaxMs)}`,
			ms(r.load.timerLateMs),
			num(r.serverConnections),
			num(r.descriptors),
			num(r.rssPerSessionKiB),
			num(r.timers),
			num(r.handles),
			num(r.load.errors),
			num(r.load.lostLeases),
			r.rival ? `${num(r.rival.takeovers)} of ${num(r.rival.attempts)}` : "—",
			r.leftAfterClose,
		];
	};
	// columns no row fills are left out (no raw driver in the lease check, no rival in the main table)
	const shown = HEAD.map((h, i) => ({ h, i })).filter(
		({ h }) =>
			(h !== "vs raw" || rows.some((r) => r.subject === "raw driver")) &&
			(h !== "rival takeovers" || rows.some((r) => r.rival)),
	);
	return [
		`| ${shown.map((c) => c.h).join(" | ")} |`,
		`| ${shown.map(() => "---").join(" | ")} |`,
		...rows.map((r) => {
			const cells = line(r);
			return `| ${shown.map((c) => cells[c.i]).join(" | ")} |`;
		}),
	].join("\n");
}
