// Saves a different state in a loop and prints "ack N" after each save resolved, until killed.
import { emptySession, SecretBytes } from "@x/session-core";
import { testPeers } from "@x/session-core/testing";
import { SqliteSessionBackend } from "../../src/index.js";

const [path, startText] = process.argv.slice(2) as [string, string];
process.stdout.write("opening\n");
const backend = await SqliteSessionBackend.open({ database: path, lockWaitMs: 5000 });
const peers = testPeers(2000, 5);
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
	session.peers = peers.slice(0, (n * 397) % 2000);
	await backend.save(session);
	process.stdout.write(`ack ${n}\n`);
}
