import { sessionToJson } from "@x/session-core";
import { parseCommand, positionals, userIdOption } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode, usage } from "../errors.js";
import { parseLocation } from "../location.js";
import { openStore } from "../stores/open.js";
import { sessionString } from "../stores/string.js";

/** `x-session export LOCATION --format native|compact|json [--include-secrets] [--user-id ID]`. */
export async function exportCommand(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("export", args, {
		format: { type: "string" },
		"include-secrets": { type: "boolean" },
		"user-id": { type: "string" },
	});
	const [where] = positionals("export", parsed, ["LOCATION"]);
	const format = parsed.values.format;
	if (format === undefined) throw usage("export: --format is required (native, compact or json)");
	if (format !== "native" && format !== "compact" && format !== "json") {
		throw usage(`export: --format must be native, compact or json (got "${format}")`);
	}
	if (parsed.values["include-secrets"] && format !== "json") {
		throw usage(
			"export: --include-secrets applies to --format json (strings always hold the keys)",
		);
	}
	const explicitUserId = userIdOption(parsed.values["user-id"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	const store = openStore(location, ctx);
	try {
		ctx.progress.plan(2);
		ctx.progress.step(`reading ${location.display}`);
		const read = await store.read();
		ctx.progress.sessionSize(read.session.peers.length);
		ctx.progress.step(`encoding ${format}`);
		let text: string;
		if (format === "json") {
			const json = sessionToJson(read.session, {
				includeSecrets: parsed.values["include-secrets"] === true,
			});
			text = JSON.stringify(json, null, 2);
		} else {
			text = sessionString(read.session, format, explicitUserId ?? read.userId);
			if (ctx.io.stdout.isTTY) {
				ctx.progress.done();
				await ctx.note(
					"x-session: the string below is a credential: anyone who has it can use the account",
				);
			}
		}
		ctx.progress.done();
		await ctx.out(`${text}\n`);
		return EXIT.OK;
	} finally {
		await store.close();
	}
}
