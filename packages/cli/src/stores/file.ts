import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { decodeSessionDetailed, isEncryptedEnvelope, type SessionCipher } from "@x/session-core";
import type { Context } from "../context.js";
import { requireCipher } from "../encryption.js";
import { CliError, EXIT, notFound } from "../errors.js";
import type { Location } from "../location.js";
import { BackendStore } from "./backend-store.js";
import { loadFactory } from "./modules.js";

/**
 * `file:PATH`: a ferogram-compatible binary file. Reads decode the bytes directly (no lock, so a
 * running client's file can be inspected); writes and deletes go through `FileSessionBackend`
 * (lock, 0600, atomic rename).
 */
export function fileStore(location: Location & { scheme: "file" }, ctx: Context): BackendStore {
	const { path } = location;
	return new BackendStore(location, ctx, {
		format: { name: "binary", version: null },
		async ensureExists() {
			if (!existsSync(path)) throw notFound(`no such file: ${path}`);
			const info = await stat(path);
			if (!info.isFile()) throw new CliError(EXIT.FAILURE, `not a regular file: ${path}`);
		},
		encrypts: true,
		async open(_mode, options) {
			const Factory = await loadFactory<{ path: string; encryption?: SessionCipher }>(
				"file",
				"@x/session-file",
				"FileSessionBackend",
			);
			// plain unless --encrypt: converting an encrypted source without it decrypts
			const encryption = options?.encrypt ? await requireCipher(ctx, "the target") : undefined;
			return Factory.open({ path, ...(encryption ? { encryption } : {}) });
		},
		async readDirect(options) {
			let bytes: Uint8Array = new Uint8Array(await readFile(path));
			const encrypted = isEncryptedEnvelope(bytes);
			if (encrypted)
				bytes = await (await requireCipher(ctx, location.display)).decrypt(bytes, "file");
			if (bytes.length === 0) throw notFound(`${location.display} is empty (no session stored)`);
			const { session, version, consumed } = decodeSessionDetailed(bytes, {
				strict: options.strict === true,
			});
			if (options.strict && consumed !== bytes.length) {
				throw new CliError(
					EXIT.FAILURE,
					`${bytes.length - consumed} trailing bytes after the session in ${path}`,
				);
			}
			const format = encrypted ? "binary (encrypted)" : "binary";
			return { session, format, version, size: { bytes: bytes.length, of: "file" } };
		},
	});
}
