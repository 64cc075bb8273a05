import { readFileSync } from "node:fs";
import { redactSecrets } from "@x/session-core/backend";
import { convert } from "./commands/convert.js";
import { deleteCommand } from "./commands/delete.js";
import { exportCommand } from "./commands/export.js";
import { inspect } from "./commands/inspect.js";
import { list } from "./commands/list.js";
import { migrate } from "./commands/migrate.js";
import { rekey } from "./commands/rekey.js";
import { verify } from "./commands/verify.js";
import { Context, type Io } from "./context.js";
import { CliError, EXIT, type ExitCode, errorLine, exitCodeOf, quoteInput } from "./errors.js";
import { HELP, MAIN_HELP } from "./help.js";

const COMMANDS: Record<string, (ctx: Context, args: string[]) => Promise<ExitCode>> = {
	inspect,
	convert,
	export: exportCommand,
	verify,
	list,
	delete: deleteCommand,
	rekey,
	migrate,
};

/**
 * Runs one `x-session` command line and resolves its exit code. Never throws: every error
 * becomes one `x-session: ...` line on stderr (no stack trace, no secret) and an exit code.
 */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
	const ctx = new Context(io);
	const [command, ...args] = argv;
	try {
		if (command === undefined) {
			await write(io.stderr, MAIN_HELP);
			return EXIT.USAGE;
		}
		if (command === "--help" || command === "-h" || command === "help") {
			const topic = command === "help" ? args[0] : undefined;
			await ctx.out(topic && HELP[topic] ? HELP[topic] : MAIN_HELP);
			return EXIT.OK;
		}
		if (command === "--version" || command === "-V") {
			await ctx.out(`${version()}\n`);
			return EXIT.OK;
		}
		const handler = COMMANDS[command];
		if (!handler) {
			ctx.progress.done();
			await write(
				io.stderr,
				`x-session: unknown command ${quoteInput(command)}; commands are ${Object.keys(COMMANDS).join(", ")} (see x-session --help)\n`,
			);
			return EXIT.USAGE;
		}
		if (args.includes("--help") || args.includes("-h")) {
			await ctx.out(HELP[command] ?? MAIN_HELP);
			return EXIT.OK;
		}
		return await handler(ctx, args);
	} catch (error) {
		ctx.progress.done();
		if (io.env.X_SESSION_DEBUG === "1" && error instanceof Error) {
			// opt-in diagnostics for bug reports; secrets are redacted from the stack too
			await write(io.stderr, `${redactSecrets(error.stack ?? "", ctx.secrets, "***")}\n`);
		}
		const refined =
			error instanceof CliError && error.refine
				? await error.refine().catch(() => undefined)
				: undefined;
		const shown = refined ? new CliError(exitCodeOf(error), refined) : error;
		await write(io.stderr, `${errorLine(shown, ctx.secrets)}\n`);
		return exitCodeOf(error);
	}
}

function version(): string {
	try {
		const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
			version?: string;
		};
		return pkg.version ?? "unknown";
	} catch {
		return "unknown";
	}
}

function write(stream: Io["stderr"], text: string): Promise<void> {
	return new Promise((resolve) => {
		stream.write(text, () => resolve());
	});
}
