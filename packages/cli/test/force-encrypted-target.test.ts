// convert --force --encrypt onto an SQLite session sealed under another passphrase: --force is
// the user asking to replace it, so withEncryptedSecrets' refusal to write next to secrets it
// cannot open (a wrong passphrase must not lock the right one out) must not stop it; without
// --force the existing session is refused as before.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeSession, sessionsEqual } from "@x/session-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, cleanup, cli, sampleSession, tempDir, writeSessionFile } from "./helpers.js";

const dir = tempDir();
const { session } = sampleSession(5);
const plain = join(dir, "plain.session");
const FIRST = "first passphrase, 1f3a";
const SECOND = "second passphrase, 9b7c";
const run = (args: string[], passphrase: string) =>
	cli(args, {
		env: {
			X_SESSION_PASSPHRASE: passphrase,
			X_SESSION_KEY: undefined,
			X_SESSION_NEW_PASSPHRASE: undefined,
			X_SESSION_NEW_KEY: undefined,
		},
	});

beforeAll(() => {
	buildCli();
	writeSessionFile(plain, session);
});
afterAll(() => cleanup(dir));

describe("convert --force --encrypt onto a session sealed under another passphrase", () => {
	it("replaces it, and the new passphrase reads it back", async () => {
		const loc = `sqlite:${join(dir, "s.db")}#bot`;
		expect((await run(["convert", `file:${plain}`, loc, "--encrypt"], FIRST)).code).toBe(0);
		const refused = await run(["convert", `file:${plain}`, loc, "--encrypt"], SECOND);
		expect(refused.code).not.toBe(0);
		const forced = await run(["convert", `file:${plain}`, loc, "--encrypt", "--force"], SECOND);
		expect(forced.code, forced.stderr).toBe(0);
		expect(forced.stdout + forced.stderr).not.toContain(SECOND);
		const out = join(dir, "back.session");
		const back = await run(["convert", loc, `file:${out}`, "--force"], SECOND);
		expect(back.code, back.stderr).toBe(0);
		expect(sessionsEqual(decodeSession(new Uint8Array(readFileSync(out))), session)).toBe(true);
	});
});
