// The synchronous lookups (SessionBackend.getPeerNow and findPeerBy*Now) on a real SQLite file:
// what the asynchronous lookups would answer, or `undefined` while a write of this instance is
// queued (read-your-writes), never a stale row.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CachedPeer, isSessionError } from "@x/session-core";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const database = () => {
	const d = mkdtempSync(join(tmpdir(), "xs-now-"));
	dirs.push(d);
	return join(d, "now.db");
};

function user(id: bigint, hash: bigint, username: string, phone: string): CachedPeer {
	return {
		kind: "user",
		id,
		accessHash: hash,
		channelKind: null,
		meta: { usernames: [username], phone, name: "A", updatedAt: 1, isMin: false, data: null },
	};
}

describe("synchronous lookups on SQLite", () => {
	it("answer as the asynchronous lookups do, and not while a write is queued", async () => {
		const path = database();
		const backend = await SqliteSessionBackend.open({ database: path });
		const getPeerNow = backend.getPeerNow;
		const byUsername = backend.findPeerByUsernameNow;
		const byPhone = backend.findPeerByPhoneNow;
		if (!getPeerNow || !byUsername || !byPhone)
			throw new Error("SQLite offers synchronous lookups");
		expect(getPeerNow("user", 7n)).toBeNull();
		expect(byUsername("alice")).toBeNull();
		expect(byPhone("+1 555")).toBeNull();

		const write = backend.cachePeer(user(7n, 70n, "alice", "1555"));
		// the write is queued: a synchronous answer now could miss it
		expect(getPeerNow("user", 7n)).toBeUndefined();
		expect(byUsername("alice")).toBeUndefined();
		await write;
		expect(getPeerNow("user", 7n)).toEqual(await backend.getPeer("user", 7n));
		expect(getPeerNow("user", 7n)?.accessHash).toBe(70n);
		expect(byUsername("@ALICE")?.id).toBe(7n);
		expect(byPhone("+1 555")?.id).toBe(7n);
		expect(getPeerNow("channel", 7n)).toBeNull();
		expect(byUsername("")).toBeNull();

		let refused: unknown;
		try {
			getPeerNow("nobody" as never, 7n);
		} catch (error) {
			refused = error;
		}
		expect(isSessionError(refused, "INVALID_ARGUMENT")).toBe(true);
		await backend.close();

		// a restart: found at once, before any asynchronous call
		const again = await SqliteSessionBackend.open({ database: path });
		expect(again.getPeerNow?.("user", 7n)?.meta?.usernames).toEqual(["alice"]);
		await again.close();
	});

	it("answer past the slice of synchronous work that asynchronous lookups yield after", async () => {
		const backend = await SqliteSessionBackend.open({ database: database() });
		await backend.cachePeers(
			Array.from({ length: 2000 }, (_, i) => user(BigInt(i + 1), 1n, `u${i}`, `1${i}`)),
		);
		// a closed loop longer than any slice: every synchronous lookup answers
		let answered = 0;
		for (let round = 0; round < 20; round++)
			for (let i = 0; i < 2000; i++) if (backend.getPeerNow?.("user", BigInt(i + 1))) answered++;
		expect(answered).toBe(40_000);
		await backend.close();
	});
});
