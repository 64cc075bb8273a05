import { readFile } from "node:fs/promises";
import {
	decodeSessionDetailed,
	isEncryptedEnvelope,
	isSessionError,
	type SessionBackend,
	type SessionCipher,
} from "@x/session-core";
import type { Context } from "../context.js";
import { whatFileHolds } from "../diagnose.js";
import { requireCipher } from "../encryption.js";
import { CliError, EXIT, notFound } from "../errors.js";
import type { Location } from "../location.js";
import { BackendStore } from "./backend-store.js";
import { directoryGiven, emptyFile, ensureParentDirectory, pathKind } from "./local-path.js";
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
			const at = await pathKind(path);
			if (at.kind === "missing") throw notFound(`no such file: ${path}`);
			if (at.kind === "directory") throw directoryGiven(path, `file:${path}/bot.session`);
		},
		encryption: "blob",
		async peek() {
			// the bytes, not the backend: opening it would take the lock (a file beside it)
			const at = await pathKind(path);
			if (at.kind === "missing") return "empty";
			if (at.kind === "directory") throw directoryGiven(path, `file:${path}/bot.session`);
			const bytes = new Uint8Array(await readFile(path));
			if (bytes.length === 0) return "empty-file";
			if (isEncryptedEnvelope(bytes)) return "session";
			try {
				decodeSessionDetailed(bytes);
				return "session";
			} catch {
				return "corrupt";
			}
		},
		async open(mode, options) {
			const Factory = await loadFactory<{
				path: string;
				encryption?: SessionCipher;
				overwriteUnreadable?: boolean;
			}>("file", "@x/session-file", "FileSessionBackend");
			// plain unless --encrypt: converting an encrypted source without it decrypts
			const encryption = options?.encrypt
				? (options.cipher ?? (await requireCipher(ctx, "the target")))
				: undefined;
			// the file backend refuses to replace an unreadable file, an empty one included; an
			// empty file holds nothing to lose, so --force alone replaces it
			const at = await pathKind(path);
			if (at.kind === "directory") throw directoryGiven(path, `file:${path}/bot.session`);
			const zeroBytes = options?.force === true && at.kind === "file" && at.size === 0;
			if (mode === "write") await ensureParentDirectory(path);
			return Factory.open({
				path,
				...(encryption ? { encryption } : {}),
				...(options?.overwriteUnreadable || zeroBytes ? { overwriteUnreadable: true } : {}),
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
			if (bytes.length === 0) throw notFound(emptyFile(location.display));
			let decoded: ReturnType<typeof decodeSessionDetailed>;
			try {
				decoded = decodeSessionDetailed(bytes, { strict: options.strict === true });
			} catch (error) {
				throw await undecodable(error, location.display, path, bytes, encrypted);
			}
			const { session, version, consumed } = decoded;
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

/**
 * A decode failure of a `file:` location, in terms of what the file is: another format (SQLite,
 * a string saved as text) with the location that reads it, a cut-short file, or the codec's
 * reason, always with the path. Typed errors stay the cause; nothing read is repeated.
 */
async function undecodable(
	error: unknown,
	display: string,
	path: string,
	bytes: Uint8Array,
	encrypted: boolean,
): Promise<unknown> {
	if (!isSessionError(error, "CORRUPT_DATA") && !isSessionError(error, "UNSUPPORTED_VERSION"))
		return error;
	const reason = error.message.replace(/^\[x-session\] (\[[^\]]*\] )?/, "");
	const holds = encrypted ? undefined : await whatFileHolds(path, bytes);
	if (holds)
		return new CliError(EXIT.FAILURE, `${display} is not an x-session binary file: ${holds}`, {
			cause: error,
		});
	if (/^truncated session/.test(reason))
		return new CliError(
			EXIT.FAILURE,
			`${display} is truncated: its ${bytes.length} bytes end before the session does (${reason}); restore it from a backup or the copy it came from`,
			{ cause: error },
		);
	if (isSessionError(error, "UNSUPPORTED_VERSION"))
		return new CliError(
			EXIT.FAILURE,
			`${display} is not a session file this x-session reads: ${reason}. It is not SQLite, text or an encrypted file either; check the path`,
			{ cause: error },
		);
	return new CliError(EXIT.FAILURE, `${display} does not decode: ${reason}`, { cause: error });
}
