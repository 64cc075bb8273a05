import type { Measurement } from "../lib.js";
import { meta } from "./rows.js";
import { FLOOR_TARGET } from "./settings.js";

// Each store of ours against the floor of its kind at its own durability, and the measured
// bounds of a workload: the raw driver doing exactly our work, which says what bounds a row.

const opsOf = (r: Measurement) => Number(r.extra?.["ops/s"]);
/** Operations in one run (rows of one workload may run different counts). */
const opsIn = (r: Measurement) => (opsOf(r) * r.medianMs) / 1000;
/** The fastest run's time per operation: a floor is a best case, and the machine is shared. */
const bestPerOp = (r: Measurement) => r.minMs / opsIn(r);
const fmt = (v: number) =>
	v >= 100 ? Math.round(v).toLocaleString("en") : v.toPrecision(3).replace(/\.?0+$/, "");

/** The floor and bound sentences of one workload's rows (empty when it has no floor rows). */
export function floorLines(list: readonly Measurement[]): string[] {
	const ok = list.filter((r) => Number.isFinite(r.minMs) && opsIn(r) > 0);
	const floors = ok.filter((r) => meta.get(r)?.role === "floor");
	const out: string[] = [];
	for (const r of ok.filter((r) => meta.get(r)?.role === "ours")) {
		const m = meta.get(r);
		if (!m?.floor) continue;
		const same = floors.filter((f) => {
			const fm = meta.get(f);
			return fm?.floor === m.floor && fm?.durability.rank === m.durability.rank;
		});
		const floor = same.find((f) => !meta.get(f)?.bound);
		if (floor) {
			const ratio = bestPerOp(r) / bestPerOp(floor);
			out.push(
				`${r.subject} takes ${ratio.toFixed(2)}x the time of "${floor.subject}" (fastest runs, per operation), ${ratio <= FLOOR_TARGET ? "within" : "**not within**"} ${FLOOR_TARGET}x`,
			);
		}
		for (const bound of same.filter((f) => meta.get(f)?.bound)) {
			const ratio = bestPerOp(r) / bestPerOp(bound);
			const vsFloor = floor
				? `, ${(bestPerOp(bound) / bestPerOp(floor)).toFixed(2)}x the floor`
				: "";
			out.push(
				`measured bound of ${r.subject}: "${bound.subject}" ${fmt(opsOf(bound))}/s${vsFloor}; ${r.subject} takes ${ratio.toFixed(2)}x its time`,
			);
		}
	}
	return out;
}
