import { type ParseArgsConfig, parseArgs } from "node:util";
import { quoteInput, usage } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed options and positionals of one command. */
export interface Parsed {
	values: Record<string, string | boolean | undefined>;
	positionals: string[];
}

/** `node:util` parseArgs with `--help` added and its errors turned into usage errors. */
export function parseCommand(command: string, args: string[], options: Options): Parsed {
	try {
		const { values, positionals } = parseArgs({
			args,
			options: { ...options, help: { type: "boolean", short: "h" } },
			allowPositionals: true,
			strict: true,
		});
		return { values: values as Parsed["values"], positionals };
	} catch (error) {
		const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
		throw usage(`${command}: ${text?.replace(/\. To specify a positional.*$/, "")}`);
	}
}

/** Exactly `names.length` positionals, or a usage error naming what is missing or extra. */
export function positionals(command: string, parsed: Parsed, names: string[]): string[] {
	if (parsed.positionals.length < names.length) {
		throw usage(
			`${command}: missing ${names.slice(parsed.positionals.length).join(" and ")} (see x-session ${command} --help)`,
		);
	}
	if (parsed.positionals.length > names.length) {
		throw usage(
			`${command}: unexpected argument ${quoteInput(parsed.positionals[names.length] ?? "")}`,
		);
	}
	return parsed.positionals;
}

/** Parses `--user-id`: a decimal i64. */
export function userIdOption(value: string | boolean | undefined): bigint | undefined {
	if (value === undefined || typeof value === "boolean") return undefined;
	if (!/^-?\d{1,20}$/.test(value))
		throw usage(`--user-id must be a decimal number (got ${quoteInput(value)})`);
	const id = BigInt(value);
	if (id < -(2n ** 63n) || id >= 2n ** 63n) throw usage("--user-id is outside the 64-bit range");
	return id;
}
