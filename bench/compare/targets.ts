import type { Measurement } from "../lib.js";
import { floorLines } from "./bounds.js";
import { type Meta, meta, RANK_NAME, rows } from "./rows.js";
import { SCALE_TARGET, TARGET } from "./settings.js";

const opsOf = (r: Measurement) => Number(r.extra?.["ops/s"]);
const fmtOps = (v: number) =>
	v >= 100 ? Math.round(v).toLocaleString("en") : v.toPrecision(3).replace(/\.?0+$/, "");

/**
 * For every workload: at each durability a peer offers, our best store at that durability or a
 * stronger one against the best peer there (target: at least TARGET times its ops/s); and each
 * store of ours with a floor against that floor at its durability (see bounds.ts).
 */
export function targets(): string[] {
	const lines: string[] = [];
	const groups = new Map<string, Measurement[]>();
	for (const r of rows) {
		const g = meta.get(r)?.group as string;
		groups.set(g, [...(groups.get(g) ?? []), r]);
	}
	const best = (list: Measurement[]) =>
		list.reduce<Measurement | undefined>((a, r) => (a && opsOf(a) >= opsOf(r) ? a : r), undefined);
	for (const [group, list] of groups) {
		const ok = list.filter((r) => meta.get(r)?.comparable && Number.isFinite(opsOf(r)));
		const of = (role: Meta["role"]) => ok.filter((r) => meta.get(r)?.role === role);
		const peerRanks = [...new Set(of("peer").map((r) => meta.get(r)?.durability.rank ?? 0))].sort();
		const out: string[] = [];
		for (const rank of peerRanks) {
			const peer = best(of("peer").filter((r) => meta.get(r)?.durability.rank === rank));
			const mine = best(of("ours").filter((r) => (meta.get(r)?.durability.rank ?? 0) >= rank));
			if (!peer) continue;
			const surviving = rank === 0 ? "in memory" : `surviving ${RANK_NAME[rank]}`;
			if (!mine) {
				out.push(
					`${surviving}: no store of ours ran; best peer ${peer.subject} ${fmtOps(opsOf(peer))}/s`,
				);
				continue;
			}
			const ratio = opsOf(mine) / opsOf(peer);
			out.push(
				`${surviving}: ${mine.subject} ${fmtOps(opsOf(mine))}/s vs ${peer.subject} ${fmtOps(opsOf(peer))}/s = ${ratio.toFixed(2)}x, ${ratio >= TARGET ? "met" : "**not met**"}`,
			);
		}
		if (peerRanks.length === 0) {
			const why = list
				.filter((r) => meta.get(r)?.role === "peer")
				.map((r) => `${r.subject}: ${r.extra?.note || "not comparable"}`);
			out.push(`no peer does this comparably (${why.join("; ") || "no peer row"}): no target`);
		}
		// each store against its floor at its own durability, and what bounds it (measured)
		out.push(...floorLines(list));
		lines.push(`- ${group}: ${out.join("; ")}.`);
	}
	lines.push(...coldStartScale());
	return lines;
}

/** The start in O(1): each store's cold start at the largest size against the smallest. */
function coldStartScale(): string[] {
	const cold = rows.filter(
		(r) =>
			r.name.startsWith("cold start") &&
			meta.get(r)?.role === "ours" &&
			Number.isFinite(r.medianMs),
	);
	const sizeOf = (r: Measurement) => Number(r.size.replace(/\D/g, ""));
	const out: string[] = [];
	for (const subject of new Set(cold.map((r) => r.subject))) {
		const mine = cold.filter((r) => r.subject === subject).sort((a, b) => sizeOf(a) - sizeOf(b));
		const [small, large] = [mine[0], mine[mine.length - 1]];
		if (!small || !large || small === large) continue;
		const ratio = large.medianMs / small.medianMs;
		out.push(
			`${subject} ${small.medianMs.toFixed(2)} ms at ${small.size} → ${large.medianMs.toFixed(2)} ms at ${large.size} = ${ratio.toFixed(2)}x, ${ratio <= SCALE_TARGET ? "met" : "**not met**"}`,
		);
	}
	return out.length === 0
		? []
		: [`- cold start as the peers grow (target: at most ${SCALE_TARGET}x): ${out.join("; ")}.`];
}
