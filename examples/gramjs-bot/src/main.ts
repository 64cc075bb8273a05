// A GramJS bot whose session lives in SQLite. With BOT_TOKEN, API_ID and API_HASH set it connects
// and logs in for real; without them it runs offline and does what a first login leaves behind
// (a fresh auth key through GramJS's own key callback, the entities Telegram sends), so a second
// run shows the session and the username lookups surviving the restart.
//
//   node --conditions=@x/source --import tsx src/main.ts [--db data/gramjs-bot.db]
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { gramjsSession } from "@x/session-gramjs";
import { SqliteSessionBackend } from "@x/session-sqlite";
import bigInt from "big-integer";
import { Api, TelegramClient } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { MemorySession } from "telegram/sessions/index.js";
import { parseOptions } from "../../shared/cli.js";

const { values: args } = parseOptions({
	name: "gramjs-bot",
	usage: "pnpm start [--] [options]",
	summary:
		"A GramJS bot whose session lives in SQLite. Offline without BOT_TOKEN, API_ID and API_HASH: the first run stores a fresh auth key and two entities, the second resumes them.",
	options: {
		db: { type: "string", default: "data/gramjs-bot.db", value: "path", help: "the SQLite file" },
	},
	notes: ["", "BOT_TOKEN, API_ID and API_HASH (all three) make it log in for real."],
} as const);
const log = (line: string) => console.log(`[gramjs-bot] ${line}`);

// GramJS's private steps of connect(), used offline exactly as the client uses them
interface ClientInternals {
	_initSession(): Promise<void>;
	_authKeyCallback(key: AuthKey, dcId: number): Promise<void>;
}

async function main(): Promise<number> {
	const path = args.db;
	mkdirSync(dirname(path), { recursive: true });
	const backend = await SqliteSessionBackend.open({ database: path, sessionId: "gramjs-bot" });
	const session = gramjsSession({ MemorySession, AuthKey }, backend, {
		onError: (error) => log(`session write failed, will retry: ${String(error)}`),
	});
	const { BOT_TOKEN, API_ID, API_HASH } = process.env;
	const online = Boolean(BOT_TOKEN && API_ID && API_HASH);
	const client = new TelegramClient(session, Number(API_ID ?? 1), API_HASH ?? "offline", {
		connectionRetries: 2,
		baseLogger: new Logger(online ? LogLevel.WARN : LogLevel.NONE),
	});
	try {
		if (online) {
			await client.start({ botAuthToken: BOT_TOKEN as string });
			const me = (await client.getMe()) as Api.User;
			log(`logged in as @${me.username}; the session is in ${path} (session "gramjs-bot")`);
			const telegram = await client.getInputEntity("telegram");
			log(`@telegram is ${telegram.className}; next time it resolves from the store`);
			await client.disconnect();
			return 0;
		}
		const internals = client as unknown as ClientInternals;
		await internals._initSession(); // what connect() does first: load() the session
		const key = session.getAuthKey();
		if (key?.getKey()) {
			log(
				`resumed: home DC ${session.dcId} at ${session.serverAddress}, auth key stored (redacted)`,
			);
			const peer = await client.getInputEntity("@gramjs_demo");
			log(
				`@gramjs_demo resolved offline: ${peer.className} ${String((peer as Api.InputPeerUser).userId)}`,
			);
			const channel = await client.getInputEntity("-1001234567");
			log(`channel -1001234567 resolved offline: ${channel.className}`);
			return 0;
		}
		log("offline (set BOT_TOKEN, API_ID and API_HASH to connect): no session yet");
		const fresh = new AuthKey();
		await fresh.setKey(randomBytes(256));
		await internals._authKeyCallback(fresh, session.dcId); // stored before this resolves
		session.processEntities({
			users: [
				new Api.User({
					id: bigInt(777000123),
					accessHash: bigInt("-4827394857364"),
					username: "gramjs_demo",
					firstName: "Demo",
				}),
			],
			chats: [
				new Api.Channel({
					id: bigInt(1234567),
					accessHash: bigInt(99),
					title: "Demo channel",
					photo: new Api.ChatPhotoEmpty(),
					date: 0,
				}),
			],
		});
		log(`stored a new auth key for DC ${session.dcId} and 2 entities; run again to resume`);
		return 0;
	} finally {
		await session.close();
	}
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		console.error(`[gramjs-bot] ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	},
);
