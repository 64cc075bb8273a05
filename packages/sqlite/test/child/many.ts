// Opens N sessions on one file through the default API, writes each, closes all but one, writes
// it, closes it; prints the descriptors this process holds at each step (/proc/self/fd) as JSON.
import { readdirSync } from "node:fs";
import { SqliteSessionBackend } from "../../src/index.js";

const [path, count] = process.argv.slice(2) as [string, string];
const fds = () => readdirSync("/proc/self/fd").length;
const base = fds();
const sessions: SqliteSessionBackend[] = [];
for (let i = 0; i < Number(count); i++)
	sessions.push(await SqliteSessionBackend.open({ database: path, sessionId: `account-${i}` }));
const opened = fds();
await Promise.all(sessions.map((s, i) => s.setHomeDc((i % 5) + 1)));
const written = fds();
const last = sessions.pop() as SqliteSessionBackend;
for (const s of sessions) await s.close();
const allButOne = fds();
await last.applyUpdateState({ type: "primary", pts: 42, date: 1, seq: 1 });
const lastPts = (await last.load())?.updatesState.pts;
await last.close();
process.stdout.write(
	`${JSON.stringify({ base, opened, written, allButOne, closed: fds(), lastPts })}\n`,
);
