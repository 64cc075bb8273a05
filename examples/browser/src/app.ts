// The page: a GramJS session and an mtcute storage, both on one IndexedDB database through
// @x/session-idb. The first visit "logs in" offline (an auth key made here, as a login would
// leave one); a reload finds both sessions and resumes. A second tab is refused the same
// sessions while this one has them open.
import { isSessionError } from "@x/session-core";
import { gramjsSession } from "@x/session-gramjs";
import { IdbSessionBackend } from "@x/session-idb";
import { mtcuteStorage } from "@x/session-mtcute";
import bigInt from "big-integer";
import { Buffer } from "buffer";
import { Api, TelegramClient } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { MemorySession } from "telegram/sessions/index.js";

const DATABASE = "x-session-example";

function show(id: string, text: string): void {
	const el = document.getElementById(id);
	if (el) el.textContent = text;
}

function keyId(bytes: Uint8Array): string {
	return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
}

// GramJS's private steps of connect(), used offline as the client uses them (as in
// examples/gramjs-bot): load the session, then store a new auth key
interface ClientInternals {
	_initSession(): Promise<void>;
	_authKeyCallback(key: AuthKey, dcId: number): Promise<void>;
}

async function gramjs(): Promise<string> {
	const backend = await IdbSessionBackend.open({ database: DATABASE, sessionId: "gramjs" });
	const session = gramjsSession({ MemorySession, AuthKey }, backend);
	const client = new TelegramClient(session, 1, "offline", {
		connectionRetries: 0,
		baseLogger: new Logger(LogLevel.NONE),
	});
	const internals = client as unknown as ClientInternals;
	await internals._initSession(); // what connect() does first: load() the session
	const stored = session.getAuthKey();
	if (stored?.getKey()) {
		const peer = (await client.getInputEntity("@gramjs_demo")) as Api.InputPeerUser;
		return `resumed on DC ${session.dcId}, key ${keyId(stored.getKey() as Uint8Array)}, @gramjs_demo is user ${peer.userId}`;
	}
	const key = new AuthKey();
	await key.setKey(Buffer.from(crypto.getRandomValues(new Uint8Array(256))));
	await internals._authKeyCallback(key, session.dcId); // stored before this resolves
	session.processEntities({
		users: [
			new Api.User({
				id: bigInt(777000123),
				accessHash: bigInt("-4827394857364"),
				username: "gramjs_demo",
				firstName: "Demo",
			}),
		],
		chats: [],
	});
	await session.flush();
	return `logged in on DC ${session.dcId}, key ${keyId(key.getKey() as Uint8Array)}`;
}

async function mtcute(): Promise<string> {
	const backend = await IdbSessionBackend.open({ database: DATABASE, sessionId: "mtcute" });
	const storage = mtcuteStorage(backend);
	await storage.driver.load?.();
	const stored = await storage.authKeys.get(2);
	if (stored) return `resumed, key ${keyId(stored)}`;
	const key = crypto.getRandomValues(new Uint8Array(256));
	await storage.authKeys.set(2, key);
	await storage.driver.save?.();
	return `logged in, key ${keyId(key)}`;
}

async function main(): Promise<void> {
	try {
		show("gramjs", await gramjs());
		show("mtcute", await mtcute());
		show("status", "ready");
	} catch (error) {
		show(
			"status",
			isSessionError(error, "LOCKED")
				? "this account is open in another tab: close it there, then reload"
				: `failed: ${(error as Error).message}`,
		);
	}
}

void main();
