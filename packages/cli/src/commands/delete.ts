import { createInterface } from "node:readline/promises";
import { parseCommand, positionals } from "../args.js";
import type { Context } from "../context.js";
import { CliError, EXIT, type ExitCode, usage } from "../errors.js";
import { parseLocation } from "../location.js";
import { openStore } from "../stores/open.js";

/** `x-session delete LOCATION [--yes]`: asks on a terminal, refuses without one unless `--yes`. */
export async function deleteCommand(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("delete", args, { yes: { type: "boolean", short: "y" } });
	const [where] = positionals("delete", parsed, ["LOCATION"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	if (location.scheme === "string" || location.scheme === "env") {
		throw usage(`delete: ${location.scheme}: locations store nothing to delete`);
	}
	if (!parsed.values.yes) {
		if (!ctx.io.stdin.isTTY || !ctx.io.stderr.isTTY) {
			throw usage(
				"delete: refusing to delete without confirmation: no terminal to ask on; pass --yes",
			);
		}
		const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
		let answer: string;
		try {
			answer = await rl.question(
				`Delete the session at ${location.display}? This logs the account out of this store. [y/N] `,
			);
		} finally {
			rl.close();
		}
		if (!/^y(es)?$/i.test(answer.trim()))
			throw new CliError(EXIT.FAILURE, "delete: not confirmed; nothing deleted");
	}
	const store = openStore(location, ctx);
	try {
		await store.remove();
		await ctx.out(`deleted ${location.display}\n`);
		return EXIT.OK;
	} finally {
		await store.close();
	}
}
