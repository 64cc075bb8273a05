// Many Telegram accounts in one SQLite database, all running at once in one process. Each
// account is a session id in the same file, opened with the same `database`. Each open takes
// that session's lease, so two instances (here or in another process) never drive the same
// account. Ctrl-C stops every account after its current write and closes them all.
import { type AccountOutcome, runAccount } from "./account.js";
import { multiAccountOptions } from "./options.js";

const { db, accounts, ticks } = multiAccountOptions();
/** Per-account lines up to this many accounts; a summary only above. */
const CHATTY = 10;

const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const)
	process.once(signal, () => {
		console.log(`${signal}: stopping ${accounts.length} accounts`);
		stop.abort();
	});

const outcomes = await Promise.allSettled(
	accounts.map((id, index) =>
		runAccount({
			db,
			id,
			index,
			ticks,
			signal: stop.signal,
			log: (line) => {
				if (accounts.length <= CHATTY || line.startsWith("lease lost"))
					console.log(`[${id}] ${line}`);
			},
		}),
	),
);
const count = (what: AccountOutcome) =>
	outcomes.filter((o) => o.status === "fulfilled" && o.value === what).length;
const failed = outcomes.flatMap((o, i) =>
	o.status === "rejected" ? [[accounts[i], o.reason]] : [],
);
for (const [id, reason] of failed)
	console.error(`[${id}] failed: ${reason instanceof Error ? reason.message : String(reason)}`);
if (failed.length > 0 || count("lease lost") > 0) process.exitCode = 1;
console.log(
	`${accounts.length} accounts: ${count("stopped")} stopped, ${count("lease lost")} lost their lease, ${failed.length} failed`,
);
console.log(
	`all ${accounts.length} accounts closed; inspect one with: x-session inspect sqlite:${db}#${accounts[0]}`,
);
