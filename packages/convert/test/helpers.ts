import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isSessionError, type PersistedSession, SecretBytes } from "@x/session-core";
import { serviceAvailable } from "@x/session-core/testing";
import { expect } from "vitest";

/** A deterministic 256-byte key (never all zero). */
export function makeKey(seed: number): Uint8Array {
	const key = new Uint8Array(256);
	for (let i = 0; i < 256; i++) key[i] = (seed * 31 + i * 7 + 1) & 255;
	return key;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** A one-DC session as the string formats carry it. */
export function oneDc(
	dcId: number,
	addr: string,
	key: Uint8Array | null,
	flags = 0,
): PersistedSession {
	return {
		homeDcId: dcId,
		dcs: [
			{
				dcId,
				addr,
				authKey: key ? new SecretBytes(key) : null,
				firstSalt: 0n,
				timeOffset: 0,
				flags,
			},
		],
		updatesState: { pts: 0, qts: 0, date: 0, seq: 0, channels: [] },
		peers: [],
		minPeers: [],
		futureAuthToken: null,
	};
}

/** Asserts that `run` throws a typed error of this package whose message leaks none of `secrets`. */
export function expectTypedError(run: () => unknown, code: string, secrets: string[] = []): Error {
	let caught: unknown;
	try {
		run();
	} catch (error) {
		caught = error;
	}
	expect(caught, "expected a throw").toBeDefined();
	expect(isSessionError(caught), `not a session error: ${String(caught)}`).toBe(true);
	const error = caught as Error & { code: string; backend: string };
	expect(error.code).toBe(code);
	expect(error.backend).toBe("convert");
	expect(error.message).toMatch(/^\[x-session\] \[convert\] /);
	for (const s of secrets) if (s.length > 8) expect(error.message).not.toContain(s);
	return error;
}

export async function expectTypedRejection(
	run: () => Promise<unknown>,
	code: string,
): Promise<Error> {
	let caught: unknown;
	try {
		await run();
	} catch (error) {
		caught = error;
	}
	expect(isSessionError(caught), `not a session error: ${String(caught)}`).toBe(true);
	expect((caught as { code: string }).code).toBe(code);
	expect((caught as { backend: string }).backend).toBe("convert");
	return caught as Error;
}

export const PYTHON = "/usr/bin/python3";

function telethonImportable(): boolean {
	const r = spawnSync(
		PYTHON,
		["-c", "import telethon, sys; sys.exit(0 if telethon.__version__.startswith('1.') else 3)"],
		{
			stdio: "ignore",
		},
	);
	return r.status === 0;
}

/**
 * True when Telethon 1.x runs under /usr/bin/python3 (`bash scripts/test.sh` installs Debian's
 * python3-telethon at the version pinned in scripts/lib/toolchain.sh). Skips the caller when it is
 * missing, but throws when REQUIRE_SERVICES is set.
 */
export async function telethonAvailable(): Promise<boolean> {
	return serviceAvailable("Telethon (python3-telethon under /usr/bin/python3)", async () => {
		if (!telethonImportable())
			throw new Error(
				"Telethon 1.x is not importable: run bash scripts/test.sh, which installs it",
			);
	});
}

/** Runs test/python/<script>.py with JSON on stdin and parses the JSON it prints. */
export function runPython<T = unknown>(script: string, input: unknown): T {
	const file = fileURLToPath(new URL(`./python/${script}.py`, import.meta.url));
	const r = spawnSync(PYTHON, [file], {
		input: JSON.stringify(input),
		encoding: "utf8",
		timeout: 60_000,
	});
	if (r.status !== 0) throw new Error(`${script}.py failed (${r.status}): ${r.stderr}`);
	return JSON.parse(r.stdout) as T;
}
