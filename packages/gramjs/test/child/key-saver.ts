// Stores a new auth key through GramJS's own key callback, says so once it resolved, then waits to
// be killed (SIGKILL): nothing may be lost after the awaited save.
import { randomBytes } from "node:crypto";
import { FileSessionBackend } from "@x/session-file";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { TelegramClient } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { MemorySession } from "telegram/sessions/index.js";
import { gramjsSession } from "../../src/index.js";

const [kind, path] = process.argv.slice(2) as ["file" | "sqlite", string];
const backend =
	kind === "file"
		? await FileSessionBackend.open({ path })
		: await SqliteSessionBackend.open({ database: path });
// a long delay: only the awaited save may write
const session = gramjsSession({ MemorySession, AuthKey }, backend, { flushDelayMs: 600_000 });
const client = new TelegramClient(session, 1, "x", { baseLogger: new Logger(LogLevel.NONE) });
await (client as unknown as { _initSession(): Promise<void> })._initSession();
const key = new AuthKey();
await key.setKey(randomBytes(256));
await (
	client as unknown as { _authKeyCallback(k: AuthKey, dc: number): Promise<void> }
)._authKeyCallback(key, 4);
process.stdout.write(`saved ${key.getKey()?.toString("hex")}\n`);
setInterval(() => {}, 1000);
