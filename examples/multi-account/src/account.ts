// One account's life: open its session (the lease is taken here), log in or resume, receive
// updates until done or stopped, close. A write refused with SessionLockedError means the lease
// was lost (another instance took the account over): this one stops and never writes again.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { emptySession, SecretBytes, SessionLockedError } from "@x/session-core";
import { SqliteSessionBackend } from "@x/session-sqlite";

export type AccountOutcome = "stopped" | "lease lost";

export interface AccountRun {
	db: string;
	id: string;
	index: number;
	ticks: number;
	/** Aborted on Ctrl-C: the account stops after its current write and closes. */
	signal: AbortSignal;
	log: (line: string) => void;
}

export async function runAccount({
	db,
	id,
	index,
	ticks,
	signal,
	log,
}: AccountRun): Promise<AccountOutcome> {
	// every account names the same file with the same options: the sessions of this process share
	// one connection to it, and the last close() closes it
	const backend = await SqliteSessionBackend.open({ database: db, sessionId: id });
	try {
		// the same account cannot be opened twice while it runs, here or in another process
		try {
			const twin = await SqliteSessionBackend.open({ database: db, sessionId: id });
			await twin.close();
			throw new Error(`a second instance opened account ${id}`);
		} catch (error) {
			if (!(error instanceof SessionLockedError)) throw error;
			log("a second instance of this account is refused (locked)");
		}
		let session = await backend.load();
		if (!session) {
			session = emptySession();
			session.homeDcId = 1 + (index % 5);
			session.dcs.push({
				dcId: session.homeDcId,
				addr: "149.154.167.51:443",
				authKey: new SecretBytes(new Uint8Array(randomBytes(256))),
				firstSalt: 0n,
				timeOffset: 0,
				flags: 0,
			});
			await backend.save(session);
			log(`logged in on DC ${session.homeDcId}`);
		} else {
			log(`resumed on DC ${session.homeDcId} at pts ${session.updatesState.pts}`);
		}
		let pts = session.updatesState.pts;
		for (let t = 0; t < ticks && !signal.aborted; t++) {
			await sleep(5 + Math.random() * 20);
			if (signal.aborted) break;
			try {
				await backend.applyUpdateState({
					type: "primary",
					pts: pts + 1,
					date: Math.floor(Date.now() / 1000),
					seq: t,
				});
				pts += 1;
				await backend.cachePeers([
					{
						kind: "user",
						id: BigInt(1000 * (index + 1) + pts),
						accessHash: BigInt(t + 1),
						channelKind: null,
					},
				]);
			} catch (error) {
				if (!(error instanceof SessionLockedError)) throw error;
				log(`lease lost, stopping this account: ${error.message}`);
				return "lease lost";
			}
		}
		log(`stopped at pts ${pts}`);
		return "stopped";
	} finally {
		// releases the lease; the last session to close closes the shared connection
		await backend.close();
	}
}
