import { parseCommand, positionals } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode, usage } from "../errors.js";
import { parseLocation } from "../location.js";
import { openStore } from "../stores/open.js";

/** `x-session list LOCATION [--json]`: session ids of a multi-session store, sorted. */
export async function list(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("list", args, { json: { type: "boolean" } });
	const [where] = positionals("list", parsed, ["LOCATION"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	const store = openStore(location, ctx);
	try {
		if (!store.list) {
			throw usage(
				`list: ${location.scheme}: locations hold one session; use x-session inspect ${location.display}`,
			);
		}
		const ids = (await store.list()).sort();
		if (parsed.values.json) await ctx.out(`${JSON.stringify({ sessions: ids })}\n`);
		else if (ids.length) await ctx.out(`${ids.join("\n")}\n`);
		return EXIT.OK;
	} finally {
		await store.close();
	}
}
