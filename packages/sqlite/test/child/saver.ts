// Saves a different state in a loop and prints "ack N" after each save resolved, until killed
// (core's test/save-loop.ts).
import { saveForever } from "../../../core/test/save-loop.js";
import { SqliteSessionBackend } from "../../src/index.js";

const [path, startText] = process.argv.slice(2) as [string, string];
process.stdout.write("opening\n");
const backend = await SqliteSessionBackend.open({ database: path, lockWaitMs: 5000 });
await saveForever(backend, Number(startText), 2000);
