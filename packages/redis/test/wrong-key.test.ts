// A wrong passphrase through withEncryptedSecrets must not seal keys into a Redis store whose
// secrets it cannot open: every key of the session is compared byte for byte before and after.
import { afterAll, describe, it } from "vitest";
import { wrongPassphraseCannotWrite } from "../../core/test/wrong-key-writes.js";
import { RedisSessionBackend } from "../src/index.js";
import { deletePrefix, randomPrefix, sharedClient } from "./servers.js";

const client = sharedClient();
const available = await client.ping().then(
	() => true,
	() => false,
);
afterAll(async () => {
	if (available) await client.quit();
	else client.disconnect();
});

/** Every key under `prefix` but the lease and fencing counter, with its raw contents. */
async function dumpKeys(prefix: string): Promise<string> {
	const out: [string, unknown][] = [];
	let cursor = "0";
	do {
		const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
		cursor = next;
		for (const key of keys) {
			if (key.endsWith(":lease") || key.endsWith(":fence")) continue;
			const type = await client.type(key);
			const value =
				type === "hash"
					? Object.entries(await client.hgetallBuffer(key))
							.map(([f, v]) => `${f}=${v.toString("hex")}`)
							.sort()
					: type === "string"
						? (await client.getBuffer(key))?.toString("hex")
						: type === "set"
							? (await client.smembersBuffer(key)).map((v) => v.toString("hex")).sort()
							: type === "zset"
								? await client.zrange(key, "0", "-1", "WITHSCORES")
								: `unexpected ${type}`;
			out.push([key, value]);
		}
	} while (cursor !== "0");
	return JSON.stringify(out.sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe.skipIf(!available)("redis: withEncryptedSecrets with a wrong passphrase", () => {
	it("refuses every write of secrets, typed, and changes no stored byte", async () => {
		const prefix = randomPrefix();
		const inner = await RedisSessionBackend.open({ client, prefix });
		try {
			await wrongPassphraseCannotWrite({ inner, dump: () => dumpKeys(prefix) });
		} finally {
			await inner.close();
			await deletePrefix(client, prefix);
		}
	});
});
