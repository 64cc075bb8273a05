// Started by root, becomes an unprivileged user once its modules are loaded (so it needs no access
// to the repository), then creates sessions with the file backend (a fresh directory, temp files,
// a moved-aside file) and prints the mode of everything it created.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sampleSession } from "@x/session-core/testing";
import { FileSessionBackend, type FileSystem, nodeFileSystem } from "../../src/index.js";

const [dir, uid, gid] = process.argv.slice(2) as [string, string, string];
process.setgid?.(Number(gid));
process.setuid?.(Number(uid));
process.umask(0o022);
const tempModes: number[] = [];
const spy: FileSystem = {
	...nodeFileSystem,
	async open(path, flags, mode) {
		const handle = await nodeFileSystem.open(path, flags, mode);
		if (path.endsWith(".xs-tmp")) tempModes.push((await handle.stat()).mode & 0o777);
		return handle;
	},
};
const sessions = join(dir, "sessions");
const b = await FileSessionBackend.open({ path: join(sessions, "bot.session"), fs: spy });
await b.save(sampleSession());
await b.close();
writeFileSync(join(sessions, "bad.session"), "garbage", { mode: 0o600 });
const c = await FileSessionBackend.open({
	path: join(sessions, "bad.session"),
	onCorrupt: "move-aside",
	onWarning: () => {},
});
await c.load();
await c.close();
const modes: Record<string, string> = {
	"sessions/": (statSync(sessions).mode & 0o777).toString(8),
};
for (const name of readdirSync(sessions))
	modes[name] = (statSync(join(sessions, name)).mode & 0o777).toString(8);
process.stdout.write(
	`${JSON.stringify({ uid: process.getuid?.(), umask: process.umask().toString(8), modes, tempModes: tempModes.map((m) => m.toString(8)) })}\n`,
);
