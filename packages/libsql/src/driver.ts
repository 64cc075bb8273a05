import { existsSync } from "node:fs";
import type { Client } from "@libsql/client";
import { SessionBackendError } from "@x/session-core";
import type { SqlDriver } from "@x/session-core/sql";
import { clientDriver, displayUrl, openClient } from "./client-driver.js";
import { closeLocalConnection, openLocalConnection } from "./local-connection.js";
import { localDriver } from "./local-driver.js";
import { localPath, prepareLocalFile } from "./local-file.js";

export { displayUrl };

const BACKEND = "libsql";

/** Where and how `@libsql/client` connects: a URL (local file, memory or remote), a token, or a client of yours. */
export interface LibsqlConnectOptions {
	/** `file:path.db`, `:memory:`, `libsql://…`, `https://…` or `http://…` (sqld, Turso). */
	url?: string;
	/** The database token for remote URLs; never shown in errors. */
	authToken?: string;
	/** Embedded replica: `url` is a local `file:` and this is the remote it syncs from. */
	syncUrl?: string;
	/** Bound on every HTTP request to a remote database (default 10 000 ms). */
	requestTimeoutMs?: number;
	/** An existing client (its `intMode` must be `"bigint"`); not closed by the backend. */
	client?: Client;
	/**
	 * Local files: `"full"` (default, as the SQLite backend): every commit survives power loss.
	 * `"normal"`: a commit survives a crash of the process, but the last ones may be lost on
	 * power loss; faster.
	 */
	synchronous?: "normal" | "full";
	/**
	 * A local file is opened as it is: not created when missing (an error instead), and its mode
	 * not checked (nothing is written). Set by the backend's `readOnly` option.
	 */
	readOnly?: boolean;
}

/** The driver of a libSQL database, with its client. */
export interface LibsqlDriver extends SqlDriver {
	/**
	 * The @libsql/client client: the caller's, or the one opened here (closed by `close()`). A
	 * local file is read and written through libsql's own connection, not a client: there, this
	 * is a second connection to the file, opened when first asked for.
	 */
	readonly client: Client;
	/** Pulls the remote's changes into an embedded replica, queued with this client's transactions. */
	sync(): Promise<void>;
}

/**
 * The path of a local database file this package opens through libsql itself (not a caller's
 * client, a replica or an in-memory database); `undefined` for anything @libsql/client opens.
 */
export function localFileOf(options: LibsqlConnectOptions): string | undefined {
	if (options.client || options.syncUrl) return undefined;
	const path = localPath(options.url);
	if (!path || path.startsWith(":memory:")) return undefined;
	return path;
}

/** Checks (read-only: must exist) or creates (0600, directories 0700) a local database file. */
export function prepareFile(path: string, url: string, readOnly: boolean | undefined): void {
	if (!readOnly) prepareLocalFile(path, true);
	else if (!existsSync(path))
		throw new SessionBackendError(
			"IO",
			`${displayUrl(url)} does not exist (a read-only open creates nothing)`,
			{ backend: BACKEND },
		);
}

/**
 * A libSQL database as the shared SQL layer's driver, on a connection of its own (closed by its
 * `close()`; a caller's `client` is never closed). A local `file:` goes through libsql, the
 * native engine of @libsql/client, with statements prepared once; remote URLs, embedded replicas,
 * `:memory:` and a caller's client through @libsql/client. `LibsqlSessionBackend.open` shares one
 * connection (or client) among the sessions of a process instead.
 */
export function libsqlDriver(options: LibsqlConnectOptions): LibsqlDriver {
	const path = localFileOf(options);
	if (path !== undefined) {
		const url = options.url as string;
		prepareFile(path, url, options.readOnly);
		const c = openLocalConnection(path, options);
		return localDriver(c, url, () => closeLocalConnection(c));
	}
	if (options.client) return clientDriver(options.client, options, async () => {});
	const client = openClient(options);
	return clientDriver(client, options, async () => client.close());
}
