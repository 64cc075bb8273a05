// Imports an mtcute string through the real client (auth key written before importSession
// resolves), says so, then waits to be killed: nothing may be lost.
import type { SessionBackend } from "@x/session-core";
import { FileSessionBackend } from "@x/session-file";
import { SqliteSessionBackend } from "@x/session-sqlite";
import { mtcuteStorage } from "../../src/index.js";
import { blockNetwork, offlineClient } from "../mtcute.js";

export function openStore(kind: "file" | "sqlite", path: string): Promise<SessionBackend> {
	return kind === "file"
		? FileSessionBackend.open({ path })
		: SqliteSessionBackend.open({ database: path });
}

if (process.argv[1]?.endsWith("importer.ts") && process.argv.length >= 5) {
	const [kind, path, text] = process.argv.slice(2) as ["file" | "sqlite", string, string];
	blockNetwork();
	// a long retry delay and no save after import: only the awaited writes may land
	const client = offlineClient(mtcuteStorage(await openStore(kind, path), { retryDelayMs: 0 }));
	await client.prepare();
	await client.importSession(text, true);
	process.stdout.write("imported\n");
	setInterval(() => {}, 1000);
}
