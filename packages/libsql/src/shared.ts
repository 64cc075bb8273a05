import { createHmac, randomBytes } from "node:crypto";
import type { Client } from "@libsql/client";
import { SharedResources } from "@x/session-core/backend";
import { clientDriver, openClient } from "./client-driver.js";
import {
	type LibsqlConnectOptions,
	type LibsqlDriver,
	libsqlDriver,
	localFileOf,
	prepareFile,
} from "./driver.js";
import {
	closeLocalConnection,
	fileKey,
	type LocalConnection,
	openLocalConnection,
} from "./local-connection.js";
import { localDriver } from "./local-driver.js";
import { localPath } from "./local-file.js";

// Many sessions in one process on one libSQL database share one connection (a local file) or
// one client (a remote database, an embedded replica): a thousand accounts in one file cost one
// connection, not a thousand. Reference counted, closed with the last session.

/** Local files: one connection per real path and durability. */
const connections = new SharedResources<LocalConnection>(closeLocalConnection);
/** Remote databases and replicas: one client per URL, token and request bound. */
const clients = new SharedResources<Client>((client) => client.close());

/**
 * Keys are an HMAC under a key made at start-up: equal targets get equal keys, and a key shows
 * nothing of the token it covers.
 */
const KEY_SECRET = randomBytes(32);
const hidden = (parts: unknown[]) =>
	createHmac("sha256", KEY_SECRET).update(JSON.stringify(parts)).digest("base64url");

/** The key of a local file's connection: its real path and what is set on the connection. */
function fileSharingKey(path: string, options: LibsqlConnectOptions): string {
	return JSON.stringify([fileKey(path), options.synchronous === "normal" ? "normal" : "full"]);
}

/** The key of a remote database's client (or a replica's), without anything printable of its token. */
export function clientSharingKey(options: LibsqlConnectOptions): string {
	const url = options.url ?? "";
	const replica = localPath(url);
	return hidden([
		replica !== undefined ? fileKey(replica) : url,
		options.authToken ?? null,
		options.syncUrl ?? null,
		options.requestTimeoutMs ?? null,
	]);
}

/** Whether sessions opened with `options` share what they open: not read-only, in memory, or a caller's client. */
function shareable(options: LibsqlConnectOptions): boolean {
	if (options.client || options.readOnly) return false;
	const url = options.url ?? ":memory:";
	return url !== ":memory:" && !localPath(url)?.startsWith(":memory:");
}

/**
 * A driver for one session: on a local file, a share of the process's connection to it; on a
 * remote database or a replica, a share of the process's client for it (`close()` gives the
 * share back, the last one closes it). Read-only opens, `:memory:` and a caller's client get
 * what {@link libsqlDriver} makes.
 */
export async function sharedLibsqlDriver(options: LibsqlConnectOptions): Promise<LibsqlDriver> {
	if (!shareable(options)) return libsqlDriver(options);
	const path = localFileOf(options);
	if (path !== undefined) {
		const url = options.url as string;
		// created (0600, directories 0700) and checked before its real path is known
		prepareFile(path, url, false);
		const share = await connections.acquire(fileSharingKey(path, options), () =>
			openLocalConnection(path, options),
		);
		return localDriver(share.value, url, () => share.release());
	}
	const share = await clients.acquire(clientSharingKey(options), () => openClient(options));
	return clientDriver(share.value, options, () => share.release());
}

/** How many sessions share the connection or client `options` lead to (0: none); for tests. */
export function sharedHolders(options: LibsqlConnectOptions): number {
	const path = localFileOf(options);
	if (path !== undefined) return connections.holders(fileSharingKey(path, options));
	return clients.holders(clientSharingKey(options));
}
