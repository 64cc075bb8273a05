import { basename } from "node:path";
import {
	CorruptSessionError,
	type SessionBackendError,
	SessionEncryptionError,
	UnsupportedVersionError,
} from "@x/session-core";
import { type FileSystem, io } from "./fs.js";
import { BACKEND } from "./options.js";

/** An error's message without the `[x-session] [backend]` prefix, to quote inside another. */
export function detail(error: unknown): string {
	return error instanceof Error
		? error.message.replace(/^\[x-session\] \[[^\]]*\] /, "")
		: String(error);
}

/** A file that does not decode: the same error class, naming the file and that it is untouched. */
export function corrupt(path: string, error: unknown): SessionBackendError {
	const message = `${path} does not decode: ${detail(error)}; the file was left untouched`;
	if (error instanceof UnsupportedVersionError)
		return new UnsupportedVersionError(error.version, message, { backend: BACKEND, cause: error });
	return new CorruptSessionError(message, { backend: BACKEND, cause: error });
}

/**
 * The refusal of a `save()` over a file this instance cannot read (`error`, from reading it):
 * the same error class, saying nothing was written and how to go on.
 */
export function notReplaced(error: SessionBackendError): SessionBackendError {
	const message = `not saved: ${detail(error).replace(/; the file was left untouched$/, "")}; nothing was written. ${
		error instanceof SessionEncryptionError
			? "Open it with the key or passphrase it was written with"
			: "Move it away"
	}, or pass overwriteUnreadable: true to replace it (the session it holds is then lost)`;
	const options = { backend: BACKEND, cause: error };
	if (error instanceof SessionEncryptionError)
		return new SessionEncryptionError(error.reason, message, options);
	if (error instanceof UnsupportedVersionError)
		return new UnsupportedVersionError(error.version, message, options);
	return new CorruptSessionError(message, options);
}

/**
 * `onCorrupt: "move-aside"`: renames the file that does not decode to `<path>.corrupt-<time>`
 * (kept 0600) and reports it, so the session starts empty without losing the bytes.
 */
export async function moveAside(
	fs: FileSystem,
	path: string,
	error: unknown,
	warn: (message: string) => void,
): Promise<void> {
	const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
	await io(`cannot move ${path} aside`, async () => {
		await fs.chmod(path, 0o600);
		await fs.rename(path, aside);
	});
	warn(
		`${path} does not decode (${detail(error)}); moved it to ${basename(aside)} and started empty`,
	);
}
