// A worker process that owns one Telegram account's session while it runs. Start two of them
// on the same Redis and session id: the lease lets only one work; the other waits or exits.
import {
	emptySession,
	isSessionError,
	type SessionBackend,
	SessionLockedError,
} from "@x/session-core";
import { RedisSessionBackend } from "@x/session-redis";
import { Redis } from "ioredis";
import { parseOptions, wholeNumber } from "../../shared/cli.js";

const program = {
	name: "worker",
	usage: "pnpm start [--] [options]",
	summary:
		"A worker that holds one session's lease in Redis while it runs; a second worker on the same session waits (--wait-ms) or exits 75.",
	options: {
		name: {
			type: "string",
			default: `worker-${process.pid}`,
			value: "label",
			help: "this worker's name, shown to the others",
		},
		session: { type: "string", default: "bot", value: "id", help: "the session id" },
		prefix: {
			type: "string",
			default: "xs-workers",
			value: "prefix",
			help: "the Redis key prefix",
		},
		"wait-ms": {
			type: "string",
			default: "0",
			value: "ms",
			help: "how long to wait for a busy session (0: fail at once)",
		},
		ticks: { type: "string", default: "5", value: "n", help: "update-state changes to write" },
		"tick-ms": { type: "string", default: "200", value: "ms", help: "milliseconds between them" },
	},
	notes: ["", "REDIS_URL picks the server (default redis://127.0.0.1:6379)."],
} as const;
const { values } = parseOptions(program);
const waitMs = wholeNumber(program, "wait-ms", values["wait-ms"]);
const ticks = wholeNumber(program, "ticks", values.ticks);
const tickMs = wholeNumber(program, "tick-ms", values["tick-ms"]);
const name = values.name;
const log = (line: string) => console.log(`[${name}] ${line}`);

const client = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
	lazyConnect: true,
	maxRetriesPerRequest: 1,
});
await client.connect();

let backend: SessionBackend;
try {
	backend = await RedisSessionBackend.open({
		client,
		prefix: values.prefix,
		sessionId: values.session,
		owner: name, // shown to whoever finds the session taken
		lockWaitMs: waitMs, // 0: fail at once; more: wait for the holder to stop
	});
} catch (error) {
	await client.quit();
	if (error instanceof SessionLockedError) {
		const h = error.holder;
		const who = h?.owner ?? "another worker";
		const until = h?.expiresAt
			? `, lease renewed until ${new Date(h.expiresAt).toISOString()}`
			: "";
		log(
			`session "${values.session}" is in use by ${who}${until}; not starting a second client on it`,
		);
		process.exit(75); // EX_TEMPFAIL: a supervisor may retry later
	}
	log(`cannot open the session: ${isSessionError(error) ? error.message : String(error)}`);
	process.exit(1);
}

// SIGTERM/SIGINT (a deploy replacing this worker, Ctrl-C) end the loop; close() releases the lease
let stopping = false;
const stop = (signal: string) => {
	if (!stopping) log(`${signal}: stopping`);
	stopping = true;
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));

log(`holding session "${values.session}"`);
const session = (await backend.load()) ?? emptySession();
log(session.updatesState.pts > 0 ? `resuming at pts ${session.updatesState.pts}` : "fresh session");
if (session.homeDcId === 0) await backend.setHomeDc(2);

// stand-in for the MTProto client's update loop: every tick persists the new pts
let pts = session.updatesState.pts;
for (let i = 0; i < ticks && !stopping; i++) {
	await new Promise((r) => setTimeout(r, tickMs));
	pts += 10;
	await backend.applyUpdateState({
		type: "primary",
		pts,
		date: Math.floor(Date.now() / 1000),
		seq: i,
	});
}
log(`done at pts ${pts}; releasing the lease`);
await backend.close();
await client.quit();
