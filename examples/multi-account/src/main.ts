// Several Telegram accounts in one SQLite database, all running at once. Each account is a
// session id in the same file; each open takes that session's lock, so two processes (or two
// instances in one process) can never drive the same account, while different accounts never
// block each other.
import { randomBytes } from "node:crypto";
import {
	emptySession,
	SecretBytes,
	type SessionBackend,
	SessionLockedError,
} from "@x/session-core";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { exitWithUsageError, parseOptions, UsageError, wholeNumber } from "../../shared/cli.js";

const program = {
	name: "multi-account",
	usage: "pnpm start [--] [options]",
	summary:
		"Runs several accounts at once in one SQLite database, one session id and lock each; run it again and each resumes.",
	options: {
		db: { type: "string", default: "accounts.db", value: "path", help: "the SQLite file" },
		accounts: {
			type: "string",
			default: "alice,bob,carol",
			value: "ids",
			help: "comma-separated session ids",
		},
		ticks: { type: "string", default: "5", value: "n", help: "update-state changes per account" },
	},
} as const;
const { values } = parseOptions(program);
const accounts = values.accounts.split(",").filter(Boolean);
if (accounts.length === 0)
	exitWithUsageError(program.name, new UsageError("--accounts names no session id"));
const ticks = wholeNumber(program, "ticks", values.ticks, 1);

async function runAccount(id: string, index: number): Promise<void> {
	const log = (line: string) => console.log(`[${id}] ${line}`);
	const backend: SessionBackend = await SqliteSessionBackend.open({
		database: values.db,
		sessionId: id,
	});
	try {
		// the same account cannot be opened twice while it runs
		try {
			const twin = await SqliteSessionBackend.open({ database: values.db, sessionId: id });
			await twin.close();
			log("ERROR: a second instance opened the same account");
			process.exitCode = 1;
		} catch (error) {
			if (!(error instanceof SessionLockedError)) throw error;
			log("a second instance of this account is refused (locked)");
		}
		let session = await backend.load();
		if (!session) {
			session = emptySession();
			session.homeDcId = 1 + (index % 5);
			session.dcs.push({
				dcId: session.homeDcId,
				addr: "149.154.167.51:443",
				authKey: new SecretBytes(new Uint8Array(randomBytes(256))),
				firstSalt: 0n,
				timeOffset: 0,
				flags: 0,
			});
			await backend.save(session);
			log(`logged in on DC ${session.homeDcId}`);
		} else {
			log(`resumed on DC ${session.homeDcId} at pts ${session.updatesState.pts}`);
		}
		let pts = session.updatesState.pts;
		for (let t = 0; t < ticks; t++) {
			await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
			pts += 1;
			await backend.applyUpdateState({
				type: "primary",
				pts,
				date: Math.floor(Date.now() / 1000),
				seq: t,
			});
			await backend.cachePeers([
				{
					kind: "user",
					id: BigInt(1000 * (index + 1) + pts),
					accessHash: BigInt(t + 1),
					channelKind: null,
				},
			]);
		}
		log(`stopped at pts ${pts}`);
	} finally {
		await backend.close();
	}
}

await Promise.all(accounts.map((id, i) => runAccount(id, i)));
console.log(
	`all ${accounts.length} accounts stopped; inspect one with: x-session inspect sqlite:${values.db}#${accounts[0]}`,
);
