// Opens and closes a session file in a loop (taking and releasing its lock), until killed.
import { isAbsolute } from "node:path";
import { FileSessionBackend } from "../../src/index.js";

const path = process.argv[2];
if (!path || !isAbsolute(path)) throw new Error("usage: opener.ts <absolute session path>");
process.stdout.write("started\n");
for (;;) {
	const backend = await FileSessionBackend.open({ path, lockWaitMs: 1000 });
	await backend.close();
}
