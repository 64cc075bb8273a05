import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import {
	decodeSessionDetailed,
	isEncryptedEnvelope,
	type SessionBackend,
	type SessionCipher,
} from "@x/session-core";
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
		encryption: "blob",
		async peek() {
			// the bytes, not the backend: opening it would take the lock (a file beside it)
			if (!existsSync(path)) return "empty";
			const bytes = new Uint8Array(await readFile(path));
			if (bytes.length === 0) return "empty";
			if (isEncryptedEnvelope(bytes)) return "session";
			try {
				decodeSessionDetailed(bytes);
				return "session";
			} catch {
				return "corrupt";
			}
		},
		async open(_mode, options) {
			const Factory = await loadFactory<{
				path: string;
				encryption?: SessionCipher;
				overwriteUnreadable?: boolean;
			}>("file", "@x/session-file", "FileSessionBackend");
			// plain unless --encrypt: converting an encrypted source without it decrypts
			const encryption = options?.encrypt
				? (options.cipher ?? (await requireCipher(ctx, "the target")))
				: undefined;
			return Factory.open({
				path,
				...(encryption ? { encryption } : {}),
				...(options?.overwriteUnreadable ? { overwriteUnreadable: true } : {}),
			});
		},
		async readDirect(options) {
			let bytes: Uint8Array = new Uint8Array(await readFile(path));
			const onDisk = bytes.length;
			const encrypted = isEncryptedEnvelope(bytes);
			if (encrypted)
				bytes = await (options.cipher ?? (await requireCipher(ctx, location.display))).decrypt(
					bytes,
					"file",
				);
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
			// the file's size, envelope included: what ls shows, not the decrypted session's
			return { session, format, version, size: { bytes: onDisk, of: "file" } };
		},
		async rekey(from, to) {
			const Factory = await loadFactory<{ path: string; encryption?: SessionCipher }>(
				"file",
				"@x/session-file",
				"FileSessionBackend",
			);
			const wasEncrypted = isEncryptedEnvelope(new Uint8Array(await readFile(path)));
			const old = wasEncrypted ? (from ?? (await requireCipher(ctx, location.display))) : undefined;
			// a file encrypted meanwhile fails to load without the key: never a silent rewrite
			const backend = (await Factory.open({
				path,
				...(old ? { encryption: old } : {}),
			})) as SessionBackend & { setEncryption(to: SessionCipher | null): Promise<void> };
			try {
				const before = await backend.load();
				if (!before) throw notFound(`${location.display} is empty (no session stored)`);
				ctx.progress.step(`rewriting ${location.display}`);
				await backend.setEncryption(to);
				return { before, wasEncrypted };
			} finally {
				await backend.close();
			}
		},
	});
}
