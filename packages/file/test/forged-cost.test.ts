// An encrypted file whose header claims a PBKDF2 cost of 2^31 - 1 would keep load() deriving
// for about half an hour before authentication could fail: it must be refused before deriving,
// as tampering, and the file left as it is.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_PBKDF2_ITERATIONS, SessionEncryptionError } from "@x/session-core";
import { sampleSession } from "@x/session-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { FileSessionBackend } from "../src/index.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterEach(removeTempDirs);

const encryption = { passphrase: "forged-cost-file", iterations: 100_000 };

describe("encrypted file with a forged PBKDF2 cost", () => {
	it("is refused as tampered before deriving, and the file is left untouched", async () => {
		const path = join(tempDir(), "forged.session");
		const b = await FileSessionBackend.open({ path, encryption });
		await b.save(sampleSession());
		await b.close();
		const forged = readFileSync(path);
		forged.writeUInt32LE(0x7fffffff, 6); // the cost, right after magic, version, algorithm, kdf
		writeFileSync(path, forged, { mode: 0o600 });
		const c = await FileSessionBackend.open({ path, encryption });
		await expect(c.load()).rejects.toSatisfy(
			(e) =>
				e instanceof SessionEncryptionError &&
				e.reason === "tampered" &&
				e.message.includes(String(MAX_PBKDF2_ITERATIONS)) &&
				!e.message.includes(encryption.passphrase),
		);
		await c.close();
		expect(readFileSync(path).equals(forged)).toBe(true);
	});
});
