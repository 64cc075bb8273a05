import { parseCommand, positionals } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode } from "../errors.js";
import { parseLocation } from "../location.js";
import { formatReport, inspectReport } from "../report.js";
import { openStore } from "../stores/open.js";

/** `x-session inspect LOCATION [--json]`. */
export async function inspect(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("inspect", args, { json: { type: "boolean" } });
	const [where] = positionals("inspect", parsed, ["LOCATION"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	const store = openStore(location, ctx);
	try {
		ctx.progress.plan(1);
		ctx.progress.step(`reading ${location.display}`);
		const read = await store.read();
		ctx.progress.done();
		const report = inspectReport(location.display, read);
		await ctx.out(parsed.values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
		return EXIT.OK;
	} finally {
		await store.close();
	}
}
