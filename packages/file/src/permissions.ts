import { SessionBackendError } from "@x/session-core";
import { looseMode, looseModeMessage } from "@x/session-core/node";
import { errnoCode, type FileSystem, io, reason } from "./fs.js";
import { BACKEND, type FileSessionOptions } from "./options.js";

/**
 * An existing session file must be a regular file only its owner can use: group or others
 * reading it is refused, reported or fixed as `onInsecurePermissions` says.
 */
export async function checkPermissions(
	fs: FileSystem,
	path: string,
	options: FileSessionOptions,
): Promise<void> {
	const info = await fs.stat(path).catch((error: unknown) => {
		if (errnoCode(error) === "ENOENT") return undefined;
		throw new SessionBackendError("IO", `cannot stat ${path}: ${reason(error)}`, {
			backend: BACKEND,
			cause: error,
		});
	});
	if (!info) return;
	if (!info.isFile())
		throw new SessionBackendError("INVALID_ARGUMENT", `${path} is not a regular file`, {
			backend: BACKEND,
		});
	const mode = looseMode(info.mode);
	if (mode === undefined) return;
	const policy = options.onInsecurePermissions ?? "error";
	if (policy === "fix") {
		await io(`cannot chmod ${path}`, () => fs.chmod(path, 0o600));
		return;
	}
	const message = looseModeMessage(path, mode);
	if (policy === "warn") {
		(options.onWarning ?? ((m: string) => console.warn(m)))(`[x-session] [file] ${message}`);
		return;
	}
	throw new SessionBackendError(
		"INVALID_ARGUMENT",
		`${message}; run chmod 600 on it, or pass onInsecurePermissions: "fix"`,
		{ backend: BACKEND },
	);
}
