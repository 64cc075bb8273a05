// The synchronous lookups (SessionBackend.getPeerNow and findPeerBy*Now) on a local libSQL file,
// which the GramJS adapter's lazy default relies on; a remote database does not offer them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LibsqlSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("synchronous lookups on a local libSQL file", () => {
	it("answer as the asynchronous lookups do, past the time slice, and not while a write is queued", async () => {
		const dir = mkdtempSync(join(tmpdir(), "xs-libsql-now-"));
		dirs.push(dir);
		const url = `file:${join(dir, "now.db")}`;
		const backend = await LibsqlSessionBackend.open({ url });
		expect(backend.getPeerNow?.("user", 7n)).toBeNull();
		const write = backend.cachePeers(
			Array.from({ length: 500 }, (_, i) => ({
				kind: "user" as const,
				id: BigInt(i + 1),
				accessHash: BigInt(i + 10),
				channelKind: null,
				meta: {
					usernames: [`u${i}`],
					phone: `1555${i}`,
					name: null,
					updatedAt: 1,
					isMin: false,
					data: null,
				},
			})),
		);
		expect(backend.getPeerNow?.("user", 7n)).toBeUndefined(); // the write is queued
		await write;
		await backend.close();

		const again = await LibsqlSessionBackend.open({ url });
		expect(again.getPeerNow?.("user", 7n)).toEqual(await again.getPeer("user", 7n));
		expect(again.findPeerByUsernameNow?.("@U6")?.id).toBe(7n);
		expect(again.findPeerByPhoneNow?.("+1 5556")?.id).toBe(7n);
		let answered = 0;
		for (let round = 0; round < 40; round++)
			for (let i = 1; i <= 500; i++) if (again.getPeerNow?.("user", BigInt(i))) answered++;
		expect(answered).toBe(20_000);
		await again.close();
	});
});
