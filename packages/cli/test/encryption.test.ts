// Encrypted files and strings through the CLI: both directions, the secret only from the environment.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeSession, sessionsEqual } from "@x/session-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	buildCli,
	cleanup,
	cli,
	leakedSecret,
	sampleSession,
	tempDir,
	writeSessionFile,
} from "./helpers.js";

const dir = tempDir();
const { session, secrets } = sampleSession();
const plain = join(dir, "plain.session");
const env = { X_SESSION_PASSPHRASE: "correct horse battery staple" };

beforeAll(() => {
	buildCli();
	writeSessionFile(plain, session);
});
afterAll(() => cleanup(dir));

describe("x-session and encryption at rest", () => {
	it("encrypts a file, reads it only with the passphrase, and decrypts it back", async () => {
		const enc = join(dir, "enc.session");
		const r = await cli(["convert", `file:${plain}`, `file:${enc}`, "--encrypt"], { env });
		expect(r.code, r.stderr).toBe(0);
		expect(readFileSync(enc).subarray(0, 3).toString()).toBe("XSE");
		expect(leakedSecret(readFileSync(enc).toString("latin1"), secrets)).toBeUndefined();
		const without = await cli(["inspect", `file:${enc}`]);
		expect(without.code).toBe(2);
		expect(without.stderr).toContain("X_SESSION_PASSPHRASE");
		const wrong = await cli(["inspect", `file:${enc}`], {
			env: { X_SESSION_PASSPHRASE: "not-the-passphrase" },
		});
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toMatch(/key or passphrase is wrong/);
		const inspect = await cli(["inspect", `file:${enc}`, "--json"], { env });
		expect(inspect.code, inspect.stderr).toBe(0);
		expect(JSON.parse(inspect.stdout).format).toMatch(/encrypted/);
		const back = join(dir, "back.session");
		expect((await cli(["convert", `file:${enc}`, `file:${back}`], { env })).code).toBe(0);
		expect(sessionsEqual(decodeSession(new Uint8Array(readFileSync(back))), session)).toBe(true);
		for (const out of [r, inspect])
			expect(out.stdout + out.stderr).not.toContain(env.X_SESSION_PASSPHRASE);
	});

	it("encrypts a string and reads it back into a plain file", async () => {
		const r = await cli(["convert", `file:${plain}`, "string:", "--encrypt"], { env });
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/^xse1_/);
		const target = join(dir, "from-string.session");
		const back = await cli(["convert", `string:${r.stdout.trim()}`, `file:${target}`], { env });
		expect(back.code, back.stderr).toBe(0);
		expect(sessionsEqual(decodeSession(new Uint8Array(readFileSync(target))), session)).toBe(true);
	});

	it("--encrypt on a target that cannot take it is a usage error", async () => {
		const r = await cli(["convert", `file:${plain}`, "gramjs:", "--encrypt"], { env });
		expect(r.code).toBe(2);
	});
});
