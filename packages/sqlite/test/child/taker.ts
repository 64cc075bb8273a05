// Tries, for `ms` milliseconds, to open session `sessionId` of a SQLite file (a takeover of an
// expired lease); prints "taken" if it ever succeeds, else "refused <n>" with the number of
// SessionLockedError refusals (a busy database is retried too).
import { SessionLockedError } from "@x/session-core";
import { SqliteSessionBackend } from "../../src/index.js";

const [path, sessionId, ms] = process.argv.slice(2) as [string, string, string];
process.stdout.write("trying\n");
const deadline = Date.now() + Number(ms);
let refused = 0;
while (Date.now() < deadline) {
	try {
		const b = await SqliteSessionBackend.open({ database: path, sessionId, leaseTtlMs: 3000 });
		await b.close();
		process.stdout.write("taken\n");
		process.exit(0);
	} catch (error) {
		if (error instanceof SessionLockedError) refused++;
	}
	await new Promise((r) => setTimeout(r, 200));
}
process.stdout.write(`refused ${refused}\n`);
