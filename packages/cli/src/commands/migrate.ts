import { parseCommand, positionals } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode, usage } from "../errors.js";
import { parseLocation } from "../location.js";
import { openStore } from "../stores/open.js";

/**
 * `x-session migrate LOCATION`: imports a ferogram/layer SQLite database in place (the only
 * command that does; every read opens it read-only). A backup copy is kept, and the Rust client
 * that owned the file can no longer use it, which the output says.
 */
export async function migrate(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("migrate", args, {});
	const [where] = positionals("migrate", parsed, ["LOCATION"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	if (location.scheme !== "sqlite" && location.scheme !== "libsql")
		throw usage(
			`migrate: ${location.scheme}: locations hold no ferogram/layer database; migrate applies to sqlite: and libsql: databases`,
		);
	const store = openStore(location, ctx);
	try {
		ctx.progress.plan(1);
		ctx.progress.step(`migrating ${location.display}`);
		const result = await (store.migrate as NonNullable<typeof store.migrate>)();
		ctx.progress.done();
		const path = location.scheme === "sqlite" ? location.path : location.localPath;
		if (!result.imported && result.schemaFrom !== undefined) {
			await ctx.out(
				`${path ?? location.display}: x-session's tables brought forward from schema version ${result.schemaFrom} (no ferogram/layer data involved)\n`,
			);
			return EXIT.OK;
		}
		if (!result.imported) {
			await ctx.out(
				`${path ?? location.display}: not a ferogram/layer database; it holds x-session's schema (nothing imported)\n`,
			);
			return EXIT.OK;
		}
		await ctx.out(
			`migrated ${path ?? location.display}: the ferogram/layer database is now x-session's (session "default"${result.peers !== undefined ? `, ${result.peers} peers` : ""})\n` +
				`backup of the original: ${result.backup ?? "none (remote database)"}\n` +
				"the Rust client (ferogram/layer) can no longer use this file; point it at the backup, or use x-session from now on\n",
		);
		return EXIT.OK;
	} finally {
		await store.close();
	}
}
