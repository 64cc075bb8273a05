// The quickstart bot: lives through an MTProto client's session lifecycle on x-session.
// First run "logs in" (fresh auth keys for two DCs); later runs resume and say so.
// Usage: start [--backend file|memory|string|sqlite|libsql|redis] [--data DIR] [--ticks N] [--interval MS] [--forever]
import {
	type CachedPeer,
	type ChannelKind,
	defaultDcTable,
	emptySession,
	type PersistedSession,
	SecretBytes,
	type SessionBackend,
	sessionStats,
	upsertMinPeer,
} from "@x/session-core";
import { exitWithUsageError, parseOptions, UsageError, wholeNumber } from "../../shared/cli.js";
import { BACKENDS, type BackendName, openBackend } from "./backends.js";

const HOME_DC = 2;
const MEDIA_DC = 4;

const program = {
	name: "quickstart",
	usage:
		"bash scripts/quickstart.sh [options]   (or, in examples/quickstart: pnpm start [--] [options])",
	summary:
		"A bot-shaped program that lives through an MTProto client's session lifecycle, offline: the first run logs in, later runs resume.",
	options: {
		backend: { type: "string", default: "file", value: "name", help: BACKENDS.join(", ") },
		data: {
			type: "string",
			default: "./data",
			value: "dir",
			help: "where file, sqlite and libsql keep their files",
		},
		ticks: { type: "string", default: "25", value: "n", help: "simulated update batches to run" },
		interval: { type: "string", default: "200", value: "ms", help: "milliseconds between ticks" },
		forever: { type: "boolean", default: false, help: "run until Ctrl-C" },
	},
	notes: ["", "REDIS_URL picks the server of --backend redis (default redis://127.0.0.1:6379)."],
} as const;
const { values: args } = parseOptions(program);
if (!(BACKENDS as readonly string[]).includes(args.backend))
	exitWithUsageError(
		program.name,
		new UsageError(`unknown backend "${args.backend}"; choose one of ${BACKENDS.join(", ")}`),
	);
const ticksOption = wholeNumber(program, "ticks", args.ticks, 1);
const interval = wholeNumber(program, "interval", args.interval, 0);

function log(line: string): void {
	console.log(`[quickstart] ${line}`);
}

/** "Logs in": a fresh 2048-bit key for the home DC and one more DC, the DC table from the defaults. */
async function logIn(backend: SessionBackend): Promise<void> {
	for (const dc of defaultDcTable()) {
		const hasKey = dc.dcId === HOME_DC || dc.dcId === MEDIA_DC;
		const salt = new BigInt64Array(1);
		crypto.getRandomValues(salt);
		await backend.updateDc({
			...dc,
			authKey: hasKey ? new SecretBytes(crypto.getRandomValues(new Uint8Array(256))) : null,
			firstSalt: hasKey ? (salt[0] as bigint) : 0n,
		});
	}
	await backend.setHomeDc(HOME_DC);
	await backend.flush();
}

function describe(session: PersistedSession): string {
	const s = sessionStats(session);
	const st = session.updatesState;
	return [
		`home DC ${s.homeDcId}`,
		`${s.dcsWithAuthKey}/${s.dcsTotal} DCs with auth keys (redacted)`,
		`pts ${st.pts}, qts ${st.qts}, seq ${st.seq}`,
		`${s.peersTotal} peers cached (${s.peersUsers} users, ${s.peersChannels} channels, ${s.peersChats} chats)`,
		`${s.minPeers} min peers`,
		`${s.channelPtsEntries} channel pts`,
	].join(", ");
}

/** A tick of simulated traffic: a few messages from users, chats and channels. */
async function tick(
	backend: SessionBackend,
	state: { pts: number; qts: number; seq: number },
	n: number,
): Promise<void> {
	const kinds: ChannelKind[] = ["broadcast", "megagroup", "gigagroup"];
	const peers: CachedPeer[] = [];
	for (let i = 0; i < 8; i++) {
		const id = BigInt(1_000_000 + ((n * 7 + i * 13) % 5000));
		const hash = BigInt.asIntN(64, id * 0x9e3779b97f4a7c15n);
		const r = (n + i) % 10;
		if (r < 6) {
			// with client metadata, so a restarted bot resolves @usernames without a network call
			const meta = { usernames: [`fan_${id}`], phone: null, name: `Fan ${id}`, isMin: false };
			peers.push({
				kind: "user",
				id,
				accessHash: hash,
				channelKind: null,
				meta: { ...meta, updatedAt: Date.now(), data: null },
			});
		} else if (r < 8)
			peers.push({ kind: "channel", id, accessHash: hash, channelKind: kinds[i % 3] ?? null });
		else peers.push({ kind: "chat", id, accessHash: 0n, channelKind: null });
	}
	await backend.cachePeers(peers);
	state.pts += 8;
	state.seq += 1;
	if (n % 3 === 0) state.qts += 1;
	const date = Math.floor(Date.now() / 1000);
	await backend.applyUpdateState({ type: "primary", pts: state.pts, date, seq: state.seq });
	await backend.applyUpdateState({ type: "secondary", qts: state.qts });
	await backend.applyUpdateState({
		type: "channel",
		channelId: BigInt(2_000_000 + (n % 4)),
		pts: state.pts,
	});
	if (n % 5 === 0) {
		// A "min" user seen in a group message: remember where, to address it later (full save).
		const session = (await backend.load()) ?? emptySession();
		upsertMinPeer(session, {
			userId: BigInt(3_000_000 + (n % 50)),
			peerId: BigInt(1_000_000 + (n % 5000)),
			msgId: n,
		});
		await backend.save(session);
	}
}

async function main(): Promise<number> {
	const name = args.backend as BackendName;
	const { backend, where, dispose } = await openBackend(name, args.data);
	log(`backend ${backend.name}: ${where}`);

	const existing = await backend.load();
	if (existing?.dcs.some((d) => d.authKey)) {
		log(`resumed session: ${describe(existing)}`);
		const known = existing.peers.find((p) => p.meta?.usernames.length)?.meta?.usernames[0];
		const found = known ? await backend.findPeerByUsername(`@${known}`) : null;
		if (found) log(`@${known} resolved offline: ${found.kind} ${found.id}`);
	} else {
		log("no session yet: logging in (new auth keys for DC 2 and DC 4)");
		await logIn(backend);
	}
	const loaded = (await backend.load()) as PersistedSession;
	const state = {
		pts: loaded.updatesState.pts,
		qts: loaded.updatesState.qts,
		seq: loaded.updatesState.seq,
	};

	let stopping = false;
	const stop = (signal: string) => {
		if (!stopping) log(`${signal}: flushing and exiting`);
		stopping = true;
	};
	process.once("SIGINT", () => stop("SIGINT"));
	process.once("SIGTERM", () => stop("SIGTERM"));

	const ticks = args.forever ? Number.POSITIVE_INFINITY : ticksOption;
	log(
		`receiving updates: ${args.forever ? "until Ctrl-C" : `${ticks} ticks`}, one every ${interval} ms (Ctrl-C flushes and exits)`,
	);
	for (let n = 0; n < ticks && !stopping; n++) {
		await tick(backend, state, state.seq);
		if ((n + 1) % 10 === 0)
			log(`tick ${n + 1}: pts ${state.pts}, qts ${state.qts}, seq ${state.seq}`);
		await new Promise((r) => setTimeout(r, interval));
	}
	await backend.close();
	await dispose?.();
	const reopened = await openBackend(name, args.data);
	const final = await reopened.backend.load();
	await reopened.backend.close();
	await reopened.dispose?.();
	log(final ? `saved: ${describe(final)}` : "saved nothing (in-memory backend)");
	return 0;
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		console.error(`[quickstart] ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	},
);
