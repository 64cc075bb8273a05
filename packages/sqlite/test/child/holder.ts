// Opens a session in a SQLite database (taking its lease), says so, and waits to be killed.
import { SqliteSessionBackend } from "../../src/index.js";

const [path, sessionId] = process.argv.slice(2) as [string, string];
const backend = await SqliteSessionBackend.open({ database: path, sessionId, leaseTtlMs: 60_000 });
await backend.setHomeDc(2);
process.stdout.write("holding\n");
setInterval(() => {}, 1000);
