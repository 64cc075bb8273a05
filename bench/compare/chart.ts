import type { Measurement } from "../lib.js";

/** One horizontal bar chart per workload, ops/s on a log scale. */
export function chart(all: Measurement[]): string {
	const groups = new Map<string, Measurement[]>();
	for (const r of all) {
		const ops = Number(r.extra?.["ops/s"]);
		if (!Number.isFinite(ops) || r.extra?.["ops/s"] === "") continue;
		const key = `${r.name} (${r.size})`;
		groups.set(key, [...(groups.get(key) ?? []), r]);
	}
	const width = 900;
	const bar = 16;
	let y = 30;
	const parts: string[] = [];
	const max = Math.max(...all.map((r) => Number(r.extra?.["ops/s"]) || 1));
	const scale = (v: number) => (Math.log10(Math.max(v, 1)) / Math.log10(max)) * (width - 420);
	const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
	for (const [title, list] of groups) {
		parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(title)}</text>`);
		y += 8;
		for (const r of list.sort((a, b) => Number(b.extra?.["ops/s"]) - Number(a.extra?.["ops/s"]))) {
			const ops = Number(r.extra?.["ops/s"]);
			const ours = r.subject.startsWith("x-session");
			const floor = r.subject.startsWith("floor");
			parts.push(
				`<text x="10" y="${y + 12}" font-size="11">${esc(r.subject.slice(0, 58))}</text>`,
				`<rect x="380" y="${y}" width="${scale(ops).toFixed(1)}" height="${bar - 3}" fill="${floor ? "#999" : ours ? "#2a7ae2" : "#e2872a"}"/>`,
				`<text x="${(385 + scale(ops)).toFixed(1)}" y="${y + 12}" font-size="11">${Math.round(ops).toLocaleString("en")}/s</text>`,
			);
			y += bar;
		}
		y += 18;
	}
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="10" y="16" font-size="13">ops/s, log scale: x-session (blue), peers (orange), floors (grey)</text>${parts.join("")}</svg>\n`;
}
