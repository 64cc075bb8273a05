import {
	type CachedPeer,
	CorruptSessionError,
	DcFlags,
	emptySession,
	formatDcAddress,
	type PersistedSession,
	SecretBytes,
	type SessionBackend,
	SessionBackendError,
} from "@x/session-core";
import { type EntityRow, peerOfRow } from "./peers.js";

/** @x/session-convert, an optional peer dependency loaded only by the migration helpers. */
async function convert(): Promise<typeof import("@x/session-convert")> {
	try {
		return await import("@x/session-convert");
	} catch (cause) {
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"importing or exporting a GramJS StringSession needs @x/session-convert installed",
			{ backend: "gramjs", cause },
		);
	}
}

/**
 * Moves a GramJS (or teleproto) StringSession into `backend` without logging out: the home DC,
 * its address and its key. Refuses to replace a session the backend already holds unless
 * `replace` is set. Resolves to the session as stored.
 */
export async function importStringSession(
	text: string,
	backend: SessionBackend,
	options: { replace?: boolean } = {},
): Promise<PersistedSession> {
	const { decodeGramjsString } = await convert();
	const { session } = decodeGramjsString(text);
	return store(session, backend, options.replace);
}

async function store(
	session: PersistedSession,
	backend: SessionBackend,
	replace = false,
): Promise<PersistedSession> {
	if (!replace && (await backend.load()))
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			"the backend already holds a session; pass { replace: true } to overwrite it",
			{ backend: "gramjs" },
		);
	await backend.save(session);
	return session;
}

/**
 * Moves a GramJS `StoreSession` folder (the `./<name>` directory it writes in Node) into
 * `backend`: home DC, address, key and every entity row with its username, phone and name.
 * The folder is only read. Node only.
 */
export async function importStoreSession(
	folder: string,
	backend: SessionBackend,
	options: { replace?: boolean } = {},
): Promise<PersistedSession> {
	const { readdir, readFile } = await import("node:fs/promises");
	const { join } = await import("node:path");
	const values = new Map<string, unknown>();
	for (const file of await readdir(folder)) {
		const key = /:(authKey|dcId|port|serverAddress|-?\d{1,20})$/.exec(safeDecode(file))?.[1];
		if (!key) continue;
		const text = await readFile(join(folder, file), "utf8");
		try {
			values.set(key, JSON.parse(text));
		} catch {
			throw new CorruptSessionError(`StoreSession file ${file} is not JSON`, {
				backend: "gramjs",
			});
		}
	}
	const fail = (what: string) =>
		new CorruptSessionError(`StoreSession folder ${folder}: ${what}`, { backend: "gramjs" });
	const dcId = values.get("dcId");
	const address = values.get("serverAddress");
	const port = values.get("port");
	const key = values.get("authKey") as { data?: unknown } | undefined;
	if (typeof dcId !== "number" || typeof address !== "string" || typeof port !== "number")
		throw fail("no home DC (dcId, serverAddress, port)");
	if (!key || !Array.isArray(key.data) || key.data.length !== 256)
		throw fail("no 256-byte auth key");
	const session = emptySession();
	session.homeDcId = dcId;
	session.dcs.push({
		dcId,
		addr: formatDcAddress(address, port),
		authKey: new SecretBytes(Uint8Array.from(key.data as number[])),
		firstSalt: 0n,
		timeOffset: 0,
		flags: address.includes(":") ? DcFlags.IPV6 : DcFlags.NONE,
	});
	for (const [name, value] of values) {
		if (!/^-?\d/.test(name) || !Array.isArray(value)) continue;
		const stamp = Number(value[5]);
		const peer = peerOfRow(value as EntityRow, Number.isSafeInteger(stamp) ? stamp : 0);
		if (peer) session.peers.push(peer as CachedPeer);
	}
	return store(session, backend, options.replace);
}

function safeDecode(file: string): string {
	try {
		return decodeURIComponent(file);
	} catch {
		return file;
	}
}

/** The GramJS StringSession text of what `backend` holds (home DC and its key), for going back. */
export async function exportStringSession(backend: SessionBackend): Promise<string> {
	const { encodeGramjsString } = await convert();
	const session = await backend.load();
	if (!session)
		throw new SessionBackendError("INVALID_ARGUMENT", "the backend holds no session to export", {
			backend: "gramjs",
		});
	return encodeGramjsString(session);
}
