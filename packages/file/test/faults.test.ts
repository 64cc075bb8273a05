// Disk faults: a real full file system (a tiny tmpfs, where the machine lets us mount one) and
// injected EIO/ENOSPC at every step of a save. Each must leave the old file intact.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeSession, isSessionError } from "@x/session-core";
import { sampleSession, testPeers } from "@x/session-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { FileSessionBackend, type FileSystem, nodeFileSystem } from "../src/index.js";
import { removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

function fault(code: string, syscall: string): NodeJS.ErrnoException {
	return Object.assign(new Error(`${code}: injected`), { code, syscall });
}

/** A file system whose `step` fails once armed. */
function faulty(
	step: "write" | "sync" | "rename" | "dirsync" | "open",
	code: string,
): FileSystem & { armed: boolean } {
	const fsx = {
		...nodeFileSystem,
		armed: false,
		async open(path: string, flags: string | number, mode?: number) {
			const temp = path.endsWith(".xs-tmp");
			if (fsx.armed && step === "open" && temp) throw fault(code, "open");
			const handle = await nodeFileSystem.open(path, flags, mode);
			if (!fsx.armed) return handle;
			if (temp && step === "write")
				handle.write = (async () => {
					throw fault(code, "write");
				}) as never;
			if (temp && step === "sync")
				handle.sync = async () => {
					throw fault(code, "fsync");
				};
			if (!temp && step === "dirsync" && flags === "r")
				handle.sync = async () => {
					throw fault(code, "fsync");
				};
			return handle;
		},
		async rename(from: string, to: string) {
			if (fsx.armed && step === "rename") throw fault(code, "rename");
			return nodeFileSystem.rename(from, to);
		},
	};
	return fsx;
}

describe("injected faults", () => {
	for (const step of ["open", "write", "sync", "rename"] as const) {
		for (const code of ["EIO", "ENOSPC"]) {
			it(`${code} at ${step}: save rejects with IO, the old file is intact, no temp file is left`, async () => {
				const dir = tempDir();
				const path = join(dir, "f.session");
				const fsx = faulty(step, code);
				const b = await FileSessionBackend.open({ path, fs: fsx });
				await b.save(sampleSession(1));
				const good = readFileSync(path);
				fsx.armed = true;
				const error = await b.save(sampleSession(2)).catch((e: unknown) => e);
				expect(isSessionError(error, "IO")).toBe(true);
				expect((error as Error).message).toContain(path);
				expect((error as Error).message).toContain(code);
				expect(readFileSync(path).equals(good)).toBe(true);
				expect(readdirSync(dir).sort()).toEqual(["f.session", "f.session.lock"]);
				// the backend still serves the last good state and recovers when the disk does
				expect((await b.load())?.updatesState.pts).toBe(sampleSession(1).updatesState.pts);
				fsx.armed = false;
				await b.save(sampleSession(3));
				await b.close();
				expect(readFileSync(path).equals(Buffer.from(encodeSession(sampleSession(3))))).toBe(true);
			});
		}
	}

	it("a failed directory fsync rejects (durability unconfirmed)", async () => {
		const path = join(tempDir(), "f.session");
		const fsx = faulty("dirsync", "EIO");
		const b = await FileSessionBackend.open({ path, fs: fsx });
		fsx.armed = true;
		const error = await b.save(sampleSession()).catch((e: unknown) => e);
		expect(isSessionError(error, "IO")).toBe(true);
		expect((error as Error).message).toContain("could not fsync its directory (EIO");
		expect((error as Error).message).not.toContain("previous file is intact");
		fsx.armed = false;
		await b.close();
	});

	it("a failed coalesced write is reported by flush() and retried, nothing lost", async () => {
		const path = join(tempDir(), "f.session");
		const fsx = faulty("write", "ENOSPC");
		const b = await FileSessionBackend.open({ path, fs: fsx, flushInterval: 10 });
		await b.save(sampleSession());
		const good = readFileSync(path);
		fsx.armed = true;
		await b.applyUpdateState({ type: "secondary", qts: 99 });
		await new Promise((r) => setTimeout(r, 80));
		expect(readFileSync(path).equals(good)).toBe(true);
		await expect(b.flush()).rejects.toSatisfy((e) => isSessionError(e, "IO"));
		fsx.armed = false;
		await b.flush();
		await b.close();
		const b2 = await FileSessionBackend.open({ path });
		expect((await b2.load())?.updatesState.qts).toBe(99);
		await b2.close();
	});
});

/** Mounts a tmpfs of `kb` KiB; undefined when this machine does not allow it (not root, no CAP_SYS_ADMIN). */
function tinyTmpfs(kb: number): string | undefined {
	const dir = tempDir();
	try {
		execFileSync("mount", ["-t", "tmpfs", "-o", `size=${kb}k,mode=0700`, "tmpfs", dir], {
			stdio: "ignore",
		});
		return dir;
	} catch {
		return undefined;
	}
}

const mountPoint = tinyTmpfs(64);
describe.skipIf(!mountPoint)("a really full disk (64 KiB tmpfs)", () => {
	afterAll(() => {
		if (mountPoint) execFileSync("umount", [mountPoint]);
	});
	it("ENOSPC on a save that does not fit: typed error, old file intact, no temp file left", async () => {
		const dir = mountPoint as string;
		const path = join(dir, "full.session");
		const b = await FileSessionBackend.open({ path });
		const small = sampleSession();
		await b.save(small);
		const good = readFileSync(path);
		const huge = { ...sampleSession(), peers: testPeers(10_000, 4) }; // ~190 KB: cannot fit
		const error = await b.save(huge).catch((e: unknown) => e);
		expect(isSessionError(error, "IO")).toBe(true);
		expect((error as Error).message).toContain("ENOSPC");
		expect(readFileSync(path).equals(good)).toBe(true);
		expect(readdirSync(dir).sort()).toEqual(["full.session", "full.session.lock"]);
		await b.close();
		writeFileSync(join(dir, "probe"), "x");
	});
});
