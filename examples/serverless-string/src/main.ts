// A serverless function keeps its Telegram session in an environment variable (or a secret
// store): `login` prints the string once, every invocation restores from it. Nothing is written
// to disk. The string is a credential: print it only to put it where it belongs.
import { randomBytes } from "node:crypto";
import { emptySession, SecretBytes } from "@x/session-core";
import { StringSessionBackend } from "@x/session-string";
import { exitWithUsageError, parseOptions, UsageError } from "../../shared/cli.js";

const program = {
	name: "serverless-string",
	usage: "pnpm -s start [--] login | handle [--migrate]",
	summary:
		"login prints a new session string (stdout only) to store as TG_SESSION; handle restores from TG_SESSION, as every invocation of a function would.",
	options: {
		migrate: {
			type: "boolean",
			default: false,
			help: "with handle: move to DC 4 (the string changes)",
		},
	},
	positionals: true,
	notes: ["", 'Example: TG_SESSION="$(pnpm -s start login)" pnpm -s start handle'],
} as const;
const { values, positionals } = parseOptions(program);
const command = positionals[0];
if (positionals.length !== 1 || (command !== "login" && command !== "handle"))
	exitWithUsageError(
		program.name,
		// what was given is not echoed: it may be a session string pasted in the wrong place
		new UsageError(positionals.length === 0 ? "say login or handle" : "expected login or handle"),
	);
if (values.migrate && command !== "handle")
	exitWithUsageError(program.name, new UsageError("--migrate goes with handle"));

if (command === "login") {
	// Stand-in for the MTProto login: the client would fill the session while logging in.
	let printed = "";
	const backend = new StringSessionBackend("", { onChange: (value: string) => (printed = value) });
	const session = emptySession();
	session.homeDcId = 2;
	session.dcs.push({
		dcId: 2,
		addr: "149.154.167.51:443",
		authKey: new SecretBytes(new Uint8Array(randomBytes(256))),
		firstSalt: 0n,
		timeOffset: 0,
		flags: 0,
	});
	await backend.save(session);
	await backend.close();
	console.error("logged in; store this string as TG_SESSION (it is a credential):");
	console.log(printed);
} else {
	// One invocation: restore, work, and say whether the stored string must be updated.
	const initial = process.env.TG_SESSION;
	if (!initial) {
		console.error("TG_SESSION is not set: run `login` first and store its output");
		process.exit(3);
	}
	let changed: string | undefined;
	const backend = new StringSessionBackend(initial, {
		onChange: (value: string) => (changed = value),
	});
	const session = await backend.load();
	if (!session) {
		console.error("TG_SESSION holds no session");
		process.exit(3);
	}
	const keyed = session.dcs.filter((d) => d.authKey).map((d) => d.dcId);
	console.log(`restored: home DC ${session.homeDcId}, keys for DC ${keyed.join(", ")}`);
	// Update counters change on every run; losing them only means catching up a little more on
	// the next cold start, so a function usually does not write them back. A new auth key (a DC
	// migration) must be saved, though.
	if (values.migrate) {
		await backend.updateDc({
			dcId: 4,
			addr: "149.154.167.91:443",
			authKey: new SecretBytes(new Uint8Array(randomBytes(256))),
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		});
		await backend.setHomeDc(4);
	}
	await backend.close();
	if (changed !== undefined) {
		console.error("the session changed (new DC key): store this string as TG_SESSION again:");
		console.log(changed);
	} else {
		console.log("session unchanged; nothing to store");
	}
}
