import type { Measurement, time } from "../lib.js";
import { want } from "./settings.js";

// The result rows of the comparison, with what the target check needs to know about each.

/** What survives: 0 nothing past the process, 1 a crash of the process, 2 a power loss. */
export interface Durability {
	rank: 0 | 1 | 2;
	label: string;
}
export const RANK_NAME = ["none", "a process crash", "a power loss (fsync)"] as const;
export const NONE: Durability = { rank: 0, label: "none (memory)" };

/**
 * What a floor measures a store against: a durable file write, an SQLite transaction, or the
 * work in memory with no store around it (a Map, an awaited promise, the platform's codec).
 */
export type FloorKind = "file" | "sqlite" | "memory";

/** What the target check needs to know about a row. */
export interface Meta {
	role: "ours" | "peer" | "floor";
	durability: Durability;
	/** Rows that compare workloads side by side: one per workload and size. */
	group: string;
	/** False when the row does a smaller job (e.g. a string without the peers): kept out of the targets. */
	comparable: boolean;
	floor?: FloorKind;
	/**
	 * A floor row that is a measured bound, not a target: the raw driver doing exactly our work
	 * (our rows, our statements), printed to say what a missed target is bound by.
	 */
	bound?: boolean;
}
export const rows: Measurement[] = [];
export const meta = new Map<Measurement, Meta>();
export interface RowInfo {
	role: Meta["role"];
	durability: Durability;
	note?: string;
	comparable?: boolean;
	floor?: FloorKind;
	bound?: boolean;
	group?: string;
}
export const push = (row: Measurement, info: RowInfo) => {
	if (!want(row.subject)) return;
	rows.push(row);
	meta.set(row, {
		role: info.role,
		durability: info.durability,
		group: info.group ?? `${row.name}, ${row.size}`,
		comparable: info.comparable ?? true,
		...(info.floor ? { floor: info.floor } : {}),
		...(info.bound ? { bound: true } : {}),
	});
};
export const add = (
	name: string,
	size: string,
	subject: string,
	t: Awaited<ReturnType<typeof time>>,
	ops: number,
	info: RowInfo,
) =>
	push(
		{
			name,
			size,
			subject,
			...t,
			extra: {
				"ops/s": (ops / t.medianMs) * 1000,
				runs: String(t.runs),
				durability: info.durability.label,
				note: info.note ?? "",
			},
		},
		info,
	);
export const na = (name: string, size: string, subject: string, why: string, info: RowInfo) =>
	push(
		{
			name,
			size,
			subject,
			medianMs: Number.NaN,
			minMs: Number.NaN,
			maxMs: Number.NaN,
			runs: 0,
			extra: { "ops/s": "", runs: "0", durability: info.durability.label, note: why },
		},
		{ ...info, comparable: false },
	);
