// An mtcute bot (@mtcute/node 0.30.3) whose storage lives in SQLite, or in Redis when REDIS_URL is
// set, through @x/session-mtcute. With BOT_TOKEN, API_ID and API_HASH it connects and logs in for
// real. Without them it runs offline on the same client: the first run imports a session
// (MTCUTE_SESSION, or a demo one) and caches what a first login leaves behind, and the second run
// resumes it and answers from the store without the network.
//
//   node --conditions=@x/source --import tsx src/main.ts [--data data] [--session mtcute-bot]
import type { tl } from "@mtcute/core";
import { TelegramClient } from "@mtcute/node";
import type { PersistedSession } from "@x/session-core";
import { importMtcuteString, type MtcuteStorage, mtcuteStorage } from "@x/session-mtcute";
import { parseOptions } from "../../shared/cli.js";
import { type OpenedBackend, openBackend } from "./backend.js";
import { DEMO_CHANNEL, DEMO_USER, demoSessionString, demoUpdates } from "./demo.js";
import { guardNetwork, offlineTransport } from "./offline.js";

const { values: args } = parseOptions({
	name: "mtcute-bot",
	usage: "pnpm start [--] [options]",
	summary:
		"An mtcute bot whose storage lives in SQLite (or Redis with REDIS_URL). Offline without BOT_TOKEN, API_ID and API_HASH: the first run imports a session, the second resumes it.",
	options: {
		data: {
			type: "string",
			default: "data",
			value: "dir",
			help: "where <dir>/mtcute-bot.db is kept",
		},
		session: { type: "string", default: "mtcute-bot", value: "id", help: "the session id" },
	},
	notes: [
		"",
		"REDIS_URL keeps the storage in Redis instead; MTCUTE_SESSION imports an mtcute string on the first run;",
		"BOT_TOKEN, API_ID and API_HASH (all three) make it log in for real.",
	],
} as const);
const log = (line: string) => console.log(`[mtcute-bot] ${line}`);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Offline, a lookup the store cannot answer would wait for a connection that never comes. */
function fromStore<T>(what: string, lookup: Promise<T>): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} is not in the store`)), 15_000);
	});
	return Promise.race([lookup, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<number> {
	const { BOT_TOKEN, API_ID, API_HASH, MTCUTE_SESSION } = process.env;
	const online = Boolean(BOT_TOKEN && API_ID && API_HASH);
	const unguard = online ? () => undefined : guardNetwork();
	const opened = await openBackend(args.data, args.session);
	const storage = mtcuteStorage(opened.backend, {
		onError: (error) => log(`storage write failed, will retry: ${message(error)}`),
	});
	let client: TelegramClient | undefined;
	try {
		const stored = await opened.backend.load();
		const resumed = Boolean(stored?.dcs.some((dc) => dc.authKey));
		let imported = false;
		if (!resumed && MTCUTE_SESSION) {
			// before the client reads the storage, as a migration from another mtcute store would
			await importMtcuteString(MTCUTE_SESSION, storage);
			imported = true;
		}
		client = new TelegramClient({
			apiId: Number(API_ID ?? 1),
			apiHash: API_HASH ?? "0".repeat(32),
			storage,
			logLevel: online ? 2 : 0, // warnings online, silent offline
			storageOptions: { cleanup: false },
			...(online ? {} : { transport: offlineTransport as never }),
		});
		await client.prepare();
		if (online) await runOnline(client, BOT_TOKEN as string, opened);
		else if (resumed) await resume(client, opened);
		else await firstRun(client, storage, opened, imported);
		await client.destroy(); // mtcute's final save, then the backend closes
		client = undefined;
		return 0;
	} finally {
		if (client) await client.destroy().catch(() => undefined);
		else await storage.destroy().catch(() => undefined);
		await opened.dispose();
		unguard();
	}
}

async function runOnline(client: TelegramClient, botToken: string, opened: OpenedBackend) {
	const me = await client.start({ botToken });
	log(`logged in as @${me.username ?? me.id}; the storage is in ${opened.where()}`);
	const telegram = await client.resolvePeer("telegram");
	log(`@telegram is ${telegram._}; from now on it resolves from the store`);
	log(summary(await opened.backend.load()));
}

async function firstRun(
	client: TelegramClient,
	storage: MtcuteStorage,
	opened: OpenedBackend,
	imported: boolean,
) {
	log(
		"offline (set BOT_TOKEN, API_ID and API_HASH to connect): a real run would log in with the " +
			"bot token, cache the peers of every update and keep the update state in the same store",
	);
	if (imported) log("no session yet: imported the one in MTCUTE_SESSION (not printed)");
	else {
		await client.importSession(demoSessionString());
		log("no session yet: imported a demo session (home DC 2, a random 256-byte auth key)");
	}
	const peers = demoUpdates();
	await client.storage.peers.updatePeersFrom(peers); // what the client does with every update
	const updates = client.storage.updates;
	await updates.setPts(1200);
	await updates.setQts(34);
	await updates.setDate(Math.floor(Date.now() / 1000));
	await updates.setSeq(56);
	await updates.setChannelPts(DEMO_CHANNEL.id, 777);
	await storage.driver.save(); // as mtcute's updates loop does after it writes the state
	log(
		`cached ${peers.users.length + peers.chats.length} peers and the update state ` +
			`(pts 1200, qts 34, seq 56) in ${opened.where()}; run again to resume`,
	);
}

async function resume(client: TelegramClient, opened: OpenedBackend) {
	log("offline (set BOT_TOKEN, API_ID and API_HASH to connect): resuming from the store");
	const stored = await opened.backend.load();
	const home = stored?.dcs.find((dc) => dc.dcId === stored.homeDcId && dc.authKey);
	const self = await client.storage.self.fetch();
	log(
		`resumed: home DC ${stored?.homeDcId} at ${home?.addr}, auth key stored (redacted), ` +
			`logged in as ${self?.isBot ? "bot" : "user"} ${self?.userId}`,
	);
	log(summary(stored));
	const state = await client.storage.updates.getState();
	const channelPts = await client.storage.updates.getChannelPts(DEMO_CHANNEL.id);
	if (state) {
		const [pts, qts, date, seq] = state;
		log(
			`update state: pts ${pts}, qts ${qts}, seq ${seq}, date ${new Date(date * 1000).toISOString()}, ` +
				`channel ${DEMO_CHANNEL.id} pts ${channelPts}`,
		);
	}
	const user = (await fromStore(
		`@${DEMO_USER.username}`,
		client.resolvePeer(DEMO_USER.username),
	)) as tl.RawInputPeerUser;
	log(`@${DEMO_USER.username} resolved offline: ${user._} ${user.userId}`);
	const channel = (await fromStore(
		`@${DEMO_CHANNEL.username}`,
		client.resolvePeer(DEMO_CHANNEL.username),
	)) as tl.RawInputPeerChannel;
	log(`@${DEMO_CHANNEL.username} resolved offline: ${channel._} ${channel.channelId}`);
	const exported = await client.exportSession();
	log(`exportSession(): a ${exported.length}-character mtcute string (not printed)`);
	log(`the data sits in ${opened.where()}`);
}

function summary(session: PersistedSession | null): string {
	if (!session) return "the store is empty";
	const count = (kind: string) => session.peers.filter((p) => p.kind === kind).length;
	const keys = session.dcs.filter((dc) => dc.authKey).length;
	return (
		`peers cached: ${session.peers.length} (${count("user")} users, ${count("channel")} channel, ` +
		`${count("chat")} group); ${keys} DC with an auth key`
	);
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		console.error(`[mtcute-bot] ${message(error)}`);
		process.exit(1);
	},
);
