// An xse1_ string whose envelope claims a PBKDF2 cost of 2^31 - 1 must be refused before
// deriving (about half an hour of CPU otherwise), as tampering. Public API only.
import { MAX_PBKDF2_ITERATIONS, SessionEncryptionError } from "@x/session-core";
import { base64Decode, base64Encode } from "@x/session-core/backend";
import { describe, expect, it } from "vitest";
import { StringSessionBackend } from "../src/index.js";

const encryption = { passphrase: "forged-cost-string", iterations: 100_000 };

describe("xse1_ string with a forged PBKDF2 cost", () => {
	it("load() refuses it as tampered before deriving", async () => {
		const backend = new StringSessionBackend("", { encryption });
		await backend.setHomeDc(2);
		const text = backend.current();
		expect(text.startsWith("xse1_")).toBe(true);
		const envelope = base64Decode(text.slice(5));
		new DataView(envelope.buffer, envelope.byteOffset).setUint32(6, 0x7fffffff, true);
		const forged = `xse1_${base64Encode(envelope)}`;
		const victim = new StringSessionBackend(forged, { encryption });
		await expect(victim.load()).rejects.toSatisfy(
			(e) =>
				e instanceof SessionEncryptionError &&
				e.reason === "tampered" &&
				e.message.includes(String(MAX_PBKDF2_ITERATIONS)) &&
				!e.message.includes(encryption.passphrase),
		);
		expect(victim.current()).toBe(forged);
	});
});
