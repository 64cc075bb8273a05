// Saves a different state in a loop and prints "ack N" after each save resolved, until killed
// (core's test/save-loop.ts).
import { isAbsolute } from "node:path";
import { saveForever } from "../../../core/test/save-loop.js";
import { FileSessionBackend } from "../../src/index.js";

const [path, startText] = process.argv.slice(2);
// Started with missing arguments, it would lock and write a path relative to the working directory
// (a stray "0.lock" in the repository once): refuse anything but an absolute path and a number.
if (!path || !isAbsolute(path) || !/^\d+$/.test(startText ?? ""))
	throw new Error(
		`usage: saver.ts <absolute session path> <first state>, got ${process.argv.slice(2)}`,
	);
const backend = await FileSessionBackend.open({ path, lockWaitMs: 5000 });
await saveForever(backend, Number(startText), 3000);
