import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/toolkit.js";

describe("redactSecrets", () => {
	it("replaces every occurrence of a secret that does not look like a word", () => {
		expect(redactSecrets("auth pw-secret-1 failed for pw-secret-1", ["pw-secret-1"])).toBe(
			"auth [redacted] failed for [redacted]",
		);
		expect(redactSecrets("tokenhunter2hunter2xyz", ["hunter2hunter2"])).toBe("token[redacted]xyz");
		expect(redactSecrets("key=s3cr3t!", ["s3cr3t!"], "***")).toBe("key=***");
	});

	it("a word-like secret (a common word as passphrase) is masked only where it stands alone", () => {
		const message = "the other key: the passphrase is wrong";
		expect(redactSecrets(message, ["the"], "***")).toBe("*** other key: *** passphrase is wrong");
		// from 8 characters on, a secret is masked wherever it occurs
		expect(redactSecrets("passwords and a password", ["password"])).toBe(
			"[redacted]s and a [redacted]",
		);
		expect(redactSecrets("WRONGPASS invalid username-password pair", ["pass"])).toBe(
			"WRONGPASS invalid username-password pair",
		);
		expect(redactSecrets("pin 1234 at 12345", ["1234"])).toBe("pin [redacted] at 12345");
	});

	it("a secret containing another is masked whole; empty and repeated secrets are harmless", () => {
		expect(redactSecrets("x abc-secret-long y", ["abc", "abc-secret-long", "", "abc"])).toBe(
			"x [redacted] y",
		);
		expect(redactSecrets("nothing here", [])).toBe("nothing here");
	});

	it("regular-expression characters in a secret are literal", () => {
		expect(redactSecrets("a.b a+b", ["a.b"])).toBe("[redacted] a+b");
		expect(redactSecrets("$1 and $&", ["$&"])).toBe("$1 and [redacted]");
	});
});
