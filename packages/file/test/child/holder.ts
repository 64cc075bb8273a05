// Opens a session file (taking its lock), says so, and waits to be killed.
import { isAbsolute } from "node:path";
import { FileSessionBackend } from "../../src/index.js";

const path = process.argv[2];
if (!path || !isAbsolute(path)) throw new Error("usage: holder.ts <absolute session path>");
const backend = await FileSessionBackend.open({ path });
await backend.setHomeDc(2);
process.stdout.write("holding\n");
setInterval(() => {}, 1000);
