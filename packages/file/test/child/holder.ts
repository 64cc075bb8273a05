// Opens a session file (taking its lock), says so, and waits to be killed.
import { FileSessionBackend } from "../../src/index.js";

const backend = await FileSessionBackend.open({ path: process.argv[2] as string });
await backend.setHomeDc(2);
process.stdout.write("holding\n");
setInterval(() => {}, 1000);
