// `pnpm bench [topic ...]`: runs bench/<topic>.ts for each topic, or every benchmark when none is named.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(dir)
	.filter((f) => f.endsWith(".ts") && !["lib.ts", "run.ts"].includes(f))
	.map((f) => f.slice(0, -3))
	.sort();
const topics = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
for (const topic of topics) {
	if (!all.includes(topic)) {
		console.error(`unknown benchmark "${topic}"; available: ${all.join(", ")}`);
		process.exit(2);
	}
	const mod = await import(pathToFileURL(join(dir, `${topic}.ts`)).href);
	await mod.run();
}
