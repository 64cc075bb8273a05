// The program's options: the database, which accounts (named, or a generated count), how many
// update-state changes each makes.
import { exitWithUsageError, parseOptions, UsageError, wholeNumber } from "../../shared/cli.js";

const program = {
	name: "multi-account",
	usage: "pnpm start [--] [options]",
	summary:
		"Runs many accounts at once in one SQLite database, one session id and lease each; run it again and each resumes.",
	options: {
		db: { type: "string", default: "accounts.db", value: "path", help: "the SQLite file" },
		accounts: {
			type: "string",
			default: "alice,bob,carol",
			value: "ids",
			help: "comma-separated session ids",
		},
		count: {
			type: "string",
			value: "n",
			help: "run n generated accounts (acc-1 … acc-n) instead of --accounts",
		},
		ticks: { type: "string", default: "5", value: "n", help: "update-state changes per account" },
	},
} as const;

export interface MultiAccountOptions {
	db: string;
	accounts: string[];
	ticks: number;
}

export function multiAccountOptions(): MultiAccountOptions {
	const { values } = parseOptions(program);
	const accounts =
		values.count === undefined
			? values.accounts.split(",").filter(Boolean)
			: Array.from(
					{ length: wholeNumber(program, "count", values.count, 1) },
					(_, i) => `acc-${i + 1}`,
				);
	if (accounts.length === 0)
		exitWithUsageError(program.name, new UsageError("--accounts names no session id"));
	return { db: values.db, accounts, ticks: wholeNumber(program, "ticks", values.ticks, 1) };
}
