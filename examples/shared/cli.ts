// Command-line options of the example programs: `--help`, one clear line and exit code 2 for a bad
// option, and a `--` separator accepted anywhere (pnpm passes the one in `pnpm start -- --db x`
// through to the program, where node:util's parseArgs would take it as a positional argument).
import { parseArgs } from "node:util";

/** One option: its type, its default and a line of help. */
export interface OptionSpec {
	type: "string" | "boolean";
	default?: string | boolean;
	/** What the value is, in the help (`--db <path>`). */
	value?: string;
	help: string;
}

/** A program's name (prefixed to its messages), its usage line and its options. */
export interface ProgramSpec<O extends Record<string, OptionSpec>> {
	name: string;
	usage: string;
	summary: string;
	options: O;
	/** Words the program takes besides options (serverless-string's `login` / `handle`). */
	positionals?: boolean;
	/** Extra lines for the end of the help (environment variables, examples). */
	notes?: readonly string[];
}

type Values<O extends Record<string, OptionSpec>> = {
	[K in keyof O]: O[K]["type"] extends "boolean"
		? boolean
		: O[K]["default"] extends string
			? string
			: string | undefined;
};

/** A usage mistake: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** The help text of a program. */
export function helpText<O extends Record<string, OptionSpec>>(program: ProgramSpec<O>): string {
	const rows: [string, string][] = Object.entries(program.options).map(([name, spec]) => {
		const flag = spec.type === "string" ? `--${name} <${spec.value ?? "value"}>` : `--${name}`;
		const fallback =
			spec.default === undefined || spec.default === false ? "" : ` (default ${spec.default})`;
		return [flag, `${spec.help}${fallback}`];
	});
	rows.push(["-h, --help", "show this help and exit"]);
	const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
	return [
		`usage: ${program.usage}`,
		"",
		program.summary,
		"",
		"options:",
		...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
		"",
		"Options work with or without a `--` before them: `pnpm start -- --help` and `pnpm start --help` are the same.",
		...(program.notes ?? []),
	].join("\n");
}

/**
 * Parses `argv` (default: this process's arguments). `--help` prints the help and exits 0; an
 * unknown option, a missing value or a stray word prints one line and exits 2.
 */
export function parseOptions<O extends Record<string, OptionSpec>>(
	program: ProgramSpec<O>,
	argv: string[] = process.argv.slice(2),
): { values: Values<O>; positionals: string[] } {
	const args = argv.filter((arg) => arg !== "--");
	if (args.includes("--help") || args.includes("-h")) {
		console.log(helpText(program));
		process.exit(0);
	}
	try {
		const options: Record<string, { type: "string" | "boolean"; default?: string | boolean }> = {};
		for (const [name, spec] of Object.entries(program.options)) {
			options[name] =
				spec.default === undefined
					? { type: spec.type }
					: { type: spec.type, default: spec.default };
		}
		const parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
		if (!program.positionals && parsed.positionals.length > 0)
			// not echoed: a stray word may be a pasted session string
			throw new UsageError("unexpected argument: this program takes options only");
		return { values: parsed.values as Values<O>, positionals: parsed.positionals };
	} catch (error) {
		exitWithUsageError(program.name, error);
	}
}

/** A whole number from an option's text, at least `min`; anything else exits as a usage error. */
export function wholeNumber(
	program: { name: string },
	option: string,
	text: string,
	min = 0,
): number {
	const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
	if (!Number.isSafeInteger(value) || value < min)
		exitWithUsageError(
			program.name,
			new UsageError(`--${option} must be a whole number of at least ${min}, not "${text}"`),
		);
	return value;
}

/** Prints `name: message (see --help)` on stderr and exits 2: no stack trace for a typo. */
export function exitWithUsageError(name: string, error: unknown): never {
	let message = error instanceof Error ? error.message : String(error);
	if (!(error instanceof UsageError)) {
		// node:util's messages run over several lines, with advice about "--" that does not apply
		const dash = /starting with a dash/.test(message);
		message = (message.split("\n")[0] ?? message)
			.replace(/\. To specify .*$/, "")
			.replace(/\.$/, "");
		if (dash) message += " (a value that starts with '-' is written --option=-value)";
	}
	console.error(`${name}: ${message} (see --help)`);
	process.exit(2);
}
