import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { decodeSessionDetailed } from "@x/session-core";
import type { Context } from "../context.js";
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
		async open() {
			const Factory = await loadFactory<{ path: string }>(
				"file",
				"@x/session-file",
				"FileSessionBackend",
			);
			return Factory.open({ path });
		},
		async readDirect(options) {
			const bytes = new Uint8Array(await readFile(path));
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
			return { session, format: "binary", version, size: { bytes: bytes.length, of: "file" } };
		},
	});
}
