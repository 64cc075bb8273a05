// Opens a session in PostgreSQL (taking its lease), says so, and waits to be killed.
import { PostgresSessionBackend } from "../../src/index.js";

const [url, schema, sessionId] = process.argv.slice(2) as [string, string, string];
const backend = await PostgresSessionBackend.open({
	connectionString: url,
	schema,
	sessionId,
	leaseTtlMs: 60_000,
});
await backend.setHomeDc(2);
process.stdout.write("holding\n");
setInterval(() => {}, 1000);
