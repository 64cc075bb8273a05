// Opens a local libSQL database and writes in a loop, alternating a full save with granular writes,
// printing "ack N" after each write resolved, until killed. State N is recognisable on reload: pts
// N, DC 2's salt N, and (N * 397) % 1000 peers after a save.
import { emptySession, SecretBytes } from "@x/session-core";
import { testPeers } from "@x/session-core/testing";
import { LibsqlSessionBackend } from "../../src/index.js";

const [path, startText] = process.argv.slice(2) as [string, string];
process.stdout.write("opening\n");
const backend = await LibsqlSessionBackend.open({ url: `file:${path}`, lockWaitMs: 5000 });
const peers = testPeers(1000, 5);
const key = new SecretBytes(new Uint8Array(256).fill(0x4c));
const dc = (n: number) => ({
	dcId: 2,
	addr: "149.154.167.51:443",
	authKey: key,
	firstSalt: BigInt(n),
	timeOffset: 0,
	flags: 0,
});
for (let n = Number(startText); ; n++) {
	if (n % 4 === 0) {
		const session = emptySession();
		session.homeDcId = 2;
		session.dcs = [dc(n)];
		session.updatesState.pts = n;
		session.peers = peers.slice(0, (n * 397) % 1000);
		await backend.save(session);
	} else {
		await backend.updateDc(dc(n));
		await backend.applyUpdateState({ type: "primary", pts: n, date: n, seq: n });
	}
	process.stdout.write(`ack ${n}\n`);
}
