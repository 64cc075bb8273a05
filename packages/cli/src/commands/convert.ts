import type { PersistedSession } from "@x/session-core";
import { storedAccount } from "../account.js";
import { type Parsed, parseCommand, positionals, userIdOption } from "../args.js";
import type { Context } from "../context.js";
import { CliError, EXIT, type ExitCode, quoteInput, usage } from "../errors.js";
import { isFileLike, type Location, parseLocation } from "../location.js";
import { sessionCounts } from "../report.js";
import { openStore } from "../stores/open.js";
import type { ReadResult } from "../stores/store.js";

/**
 * `x-session convert FROM TO [--force] [--strict] [--format native|compact] [--user-id ID] [--bot]
 * [--api-id N] [--encrypt]`.
 * What the target's format cannot hold is named before anything is written (dropped, or with
 * `--strict` a refusal, exit 6); "verified" then covers what the target holds.
 * Encrypted sources (files, strings, SQL and Redis secrets) are read with X_SESSION_PASSPHRASE /
 * X_SESSION_KEY; `--encrypt` encrypts the target with the same secret.
 */
export async function convert(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("convert", args, {
		force: { type: "boolean", short: "f" },
		format: { type: "string" },
		"user-id": { type: "string" },
		bot: { type: "boolean" },
		"api-id": { type: "string" },
		encrypt: { type: "boolean" },
		strict: { type: "boolean" },
		"overwrite-unreadable": { type: "boolean" },
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
		const account = accountFor(to, format, read, parsed.values);
		const holds = targetFormat(to, format);
		const dropped = await losses({ ...read, ...account }, holds.format);
		if (dropped.length > 0 && parsed.values.strict)
			throw new CliError(
				EXIT.LOSSY,
				`convert --strict: ${holds.name} cannot hold ${dropped.join(", ")}; nothing written`,
			);
		const result = await target.write(read.session, {
			force: parsed.values.force === true,
			...account,
			...(parsed.values["overwrite-unreadable"] ? { overwriteUnreadable: true } : {}),
			...(format ? { stringFormat: format } : {}),
			...(parsed.values.encrypt ? { encrypt: true } : {}),
		});
		ctx.progress.done();
		const verified = dropped.length
			? `verified what ${holds.name} holds; dropped: ${dropped.join(", ")}`
			: "verified";
		if (dropped.length > 0)
			await ctx.note(
				`x-session: warning: ${holds.name} cannot hold ${dropped.join(", ")}; they were dropped (--strict refuses instead)`,
			);
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
				`converted ${from.display} -> ${to.display} (${sessionCounts(s)}; ${verified})\n`,
			);
		}
		return EXIT.OK;
	} finally {
		await source.close();
		await target.close();
	}
}

/**
 * The account facts written with the session: `--user-id`, `--bot` and `--api-id` first, then
 * what the source carries (a Pyrogram or mtcute string or file), then, for targets that need them,
 * the account the mtcute adapter stored (its `current_user`).
 */
function accountFor(
	to: Location,
	format: string | boolean | undefined,
	read: ReadResult,
	values: Parsed["values"],
): { userId?: bigint; isBot?: boolean; apiId?: number } {
	const needsAccount =
		to.scheme === "pyrogram" ||
		to.scheme === "mtcute" ||
		to.scheme === "tdata" ||
		format === "compact";
	if (values.bot && to.scheme !== "pyrogram" && to.scheme !== "mtcute")
		throw usage(
			"convert: --bot applies to pyrogram: and mtcute: targets (their strings hold the flag)",
		);
	const apiId = apiIdOption(values["api-id"]);
	if (apiId !== undefined && to.scheme !== "pyrogram")
		throw usage("convert: --api-id applies to pyrogram: targets");
	const stored = needsAccount ? storedAccount(read.session) : undefined;
	const userId = userIdOption(values["user-id"]) ?? read.userId ?? stored?.userId;
	const isBot = values.bot ? true : (read.isBot ?? stored?.isBot);
	const sourceApiId = apiId ?? read.apiId;
	return {
		...(userId !== undefined ? { userId } : {}),
		...(isBot !== undefined ? { isBot } : {}),
		...(sourceApiId !== undefined ? { apiId: sourceApiId } : {}),
	};
}

/** Parses `--api-id`: Telegram's api_id, a u32 (Pyrogram stores it in 4 bytes). */
function apiIdOption(value: string | boolean | undefined): number | undefined {
	if (value === undefined || typeof value === "boolean") return undefined;
	if (!/^\d{1,10}$/.test(value) || Number(value) > 0xffffffff)
		throw usage(
			`convert: --api-id must be a number from 0 to 4294967295 (got ${quoteInput(value)})`,
		);
	return Number(value);
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

type Target = import("@x/session-convert").ConversionTarget;

/** What the target location's format can hold, and its name for messages. */
function targetFormat(
	to: Location,
	format: string | boolean | undefined,
): { format: Target; name: string } {
	switch (to.scheme) {
		case "string":
		case "env":
			return format === "compact"
				? { format: "compact", name: "a compact string" }
				: { format: "x-session", name: "a native string" };
		case "telethon":
			return isFileLike(to.value)
				? { format: "telethon-file", name: "a Telethon session file" }
				: { format: "telethon", name: "a Telethon string" };
		case "gramjs":
			return { format: "gramjs", name: "a GramJS string" };
		case "mtcute":
			return { format: "mtcute", name: "an mtcute string" };
		case "pyrogram":
			return { format: "pyrogram", name: "a Pyrogram string" };
		case "mtkruto":
			return { format: "mtkruto", name: "an MTKruto string" };
		case "tdata":
			return { format: "tdata", name: "a tdata folder" };
		default:
			return { format: "x-session", name: `an x-session ${to.scheme} store` };
	}
}

/** What `target` drops of what was read (the convert package's rules, per format). */
async function losses(
	read: { session: PersistedSession; userId?: bigint; isBot?: boolean },
	target: Target,
): Promise<string[]> {
	const facts = {
		...(read.userId !== undefined ? { userId: read.userId } : {}),
		...(read.isBot !== undefined ? { isBot: read.isBot } : {}),
	};
	// x-session's own formats hold the whole model: only a string's own facts can be lost, and
	// @x/session-convert is not loaded for them
	if (target === "x-session") {
		const out: string[] = [];
		if (facts.userId !== undefined) out.push("the account's own user id");
		if (facts.isBot === true) out.push("the bot flag");
		return out;
	}
	const { conversionLosses } = await import("@x/session-convert");
	return conversionLosses(read.session, target, facts);
}
