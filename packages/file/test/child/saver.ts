// Saves a different state in a loop and prints "ack N" after each save resolved, until killed.
// State N has pts N and a peer count that varies, so files of different sizes replace each other.
import { isAbsolute } from "node:path";
import { emptySession, SecretBytes } from "@x/session-core";
import { testPeers } from "@x/session-core/testing";
import { FileSessionBackend } from "../../src/index.js";

const [path, startText] = process.argv.slice(2);
// Started with missing arguments, it would lock and write a path relative to the working directory
// (a stray "0.lock" in the repository once): refuse anything but an absolute path and a number.
if (!path || !isAbsolute(path) || !/^\d+$/.test(startText ?? ""))
	throw new Error(
		`usage: saver.ts <absolute session path> <first state>, got ${process.argv.slice(2)}`,
	);
const backend = await FileSessionBackend.open({ path, lockWaitMs: 5000 });
const peers = testPeers(3000, 5);
const key = new SecretBytes(new Uint8Array(256).fill(0x4b));
for (let n = Number(startText); ; n++) {
	const session = emptySession();
	session.homeDcId = 2;
	session.dcs = [
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: key,
			firstSalt: BigInt(n),
			timeOffset: 0,
			flags: 0,
		},
	];
	session.updatesState.pts = n;
	session.peers = peers.slice(0, (n * 397) % 3000);
	await backend.save(session);
	process.stdout.write(`ack ${n}\n`);
}
