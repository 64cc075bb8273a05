import { parseCommand, positionals, userIdOption } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode, usage } from "../errors.js";
import { parseLocation } from "../location.js";
import { openStore } from "../stores/open.js";

/**
 * `x-session convert FROM TO [--force] [--format native|compact] [--user-id ID] [--encrypt]`.
 * Encrypted sources (files, strings, SQL and Redis secrets) are read with X_SESSION_PASSPHRASE /
 * X_SESSION_KEY; `--encrypt` encrypts the target with the same secret.
 */
export async function convert(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("convert", args, {
		force: { type: "boolean", short: "f" },
		format: { type: "string" },
		"user-id": { type: "string" },
		encrypt: { type: "boolean" },
	});
	const [fromText, toText] = positionals("convert", parsed, ["FROM", "TO"]);
	const from = parseLocation(fromText as string, ctx.io.cwd);
	const to = parseLocation(toText as string, ctx.io.cwd);
	const stringTarget = to.scheme === "string" || to.scheme === "env";
	const format = parsed.values.format;
	if (format !== undefined && format !== "native" && format !== "compact") {
		throw usage(`convert: --format must be native or compact (got "${format}")`);
	}
	if (format !== undefined && !stringTarget)
		throw usage("convert: --format applies to string: and env: targets only");
	if (from.text === to.text || (sameTarget(from, to) && !stringTarget)) {
		throw usage("convert: FROM and TO are the same location");
	}
	if (from.scheme === "string" && from.value === "")
		throw usage("convert: string: needs a value as a source (or string:- to read stdin)");
	const source = openStore(from, ctx);
	const target = openStore(to, ctx);
	try {
		ctx.progress.plan(stringTarget ? 2 : 4);
		ctx.progress.step(`reading ${from.display}`);
		const read = await source.read();
		ctx.progress.sessionSize(read.session.peers.length);
		const userId = userIdOption(parsed.values["user-id"]) ?? read.userId;
		const result = await target.write(read.session, {
			force: parsed.values.force === true,
			...(format ? { stringFormat: format } : {}),
			...(userId !== undefined ? { userId } : {}),
			...(parsed.values.encrypt ? { encrypt: true } : {}),
		});
		ctx.progress.done();
		if (result.printed !== undefined) {
			if (ctx.io.stdout.isTTY) {
				await ctx.note(
					"x-session: the string below is a credential: anyone who has it can use the account",
				);
			}
			await ctx.out(`${result.printed}\n`);
		} else {
			const s = result.readBack;
			await ctx.out(
				`converted ${from.display} -> ${to.display} (${s.dcs.length} DCs, ${s.peers.length} peers, ${s.minPeers.length} min peers; verified)\n`,
			);
		}
		return EXIT.OK;
	} finally {
		await source.close();
		await target.close();
	}
}

function sameTarget(
	a: ReturnType<typeof parseLocation>,
	b: ReturnType<typeof parseLocation>,
): boolean {
	if (a.scheme !== b.scheme) return false;
	if (a.scheme === "file" && b.scheme === "file") return a.path === b.path;
	if (a.scheme === "sqlite" && b.scheme === "sqlite")
		return a.path === b.path && a.sessionId === b.sessionId;
	if (a.scheme === "libsql" && b.scheme === "libsql")
		return a.url === b.url && a.sessionId === b.sessionId;
	return a.display === b.display;
}
