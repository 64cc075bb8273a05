// For the backends' crash tests: a child process saves a different state in a loop and prints
// "ack N" after each save resolved, until killed. State N has pts N and a peer count that
// varies, so stored sessions of different sizes replace each other.
import { emptySession, SecretBytes, type SessionBackend } from "@x/session-core";
import { testPeers } from "@x/session-core/testing";

export async function saveForever(
	backend: SessionBackend,
	first: number,
	peerCount: number,
): Promise<never> {
	const peers = testPeers(peerCount, 5);
	const key = new SecretBytes(new Uint8Array(256).fill(0x4b));
	for (let n = first; ; n++) {
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
		session.peers = peers.slice(0, (n * 397) % peerCount);
		await backend.save(session);
		process.stdout.write(`ack ${n}\n`);
	}
}
