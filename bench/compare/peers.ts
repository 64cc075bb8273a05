import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { CachedPeer } from "@x/session-core";
import { testAuthKey } from "@x/session-core/testing";
import { mtcutePlatform, mtcuteQuietLog } from "../lib.js";
import type { Any } from "./settings.js";

// The other clients' session stores, at the exact versions bench/package.json pins (installed
// with the workspace from pnpm-lock.yaml). GramJS is CommonJS without an exports map.

const require = createRequire(import.meta.url);

/** The GramJS and mtcute modules the comparison uses. */
export interface PeerModules {
	Api: Any;
	StringSession: Any;
	StoreSession: Any;
	AuthKey: Any;
	bigInt: Any;
	mtcore: Any;
	mtnode: Any;
	mtutils: Any;
	/** The file a new process requires StoreSession from. */
	gramjsSessionsPath: string;
}

let loaded: PeerModules | undefined;

export async function peerModules(): Promise<PeerModules> {
	if (loaded) return loaded;
	const { Api } = require("telegram");
	const gramjsSessionsPath = require.resolve("telegram/sessions/index.js");
	const { StringSession, StoreSession } = require(gramjsSessionsPath);
	const { AuthKey } = require("telegram/crypto/AuthKey.js");
	loaded = {
		Api,
		StringSession,
		StoreSession,
		AuthKey,
		bigInt: require("big-integer"),
		mtcore: await import("@mtcute/core"),
		mtnode: await import("@mtcute/node"),
		mtutils: await import("@mtcute/core/utils.js"),
		gramjsSessionsPath,
	};
	return loaded;
}

/** The two auth keys the auth-key rows alternate between, as bytes. */
export const keyBytes = [testAuthKey(101).expose(), testAuthKey(102).expose()];

/** The same keys as GramJS AuthKey objects. */
export async function gramjsKeys(peer: PeerModules): Promise<Any[]> {
	const gramKeys: Any[] = [];
	for (const bytes of keyBytes) {
		const k = new peer.AuthKey();
		await k.setKey(Buffer.from(bytes));
		gramKeys.push(k);
	}
	return gramKeys;
}

/** A loaded mtcute MemoryStorage, or a SqliteStorage in `dir`. */
export async function mtcuteStore(kind: "memory" | "sqlite", dir: string): Promise<Any> {
	const { mtcore, mtnode } = await peerModules();
	mkdirSync(dir, { recursive: true });
	const s =
		kind === "memory"
			? new mtcore.MemoryStorage()
			: new mtnode.SqliteStorage(join(dir, "m.session"));
	s.driver.setup?.(mtcuteQuietLog, mtcutePlatform);
	await s.driver.load?.();
	return s;
}

/** Our peer as mtcute's peer record. */
export const mtPeer = (p: CachedPeer) => ({
	id: p.kind === "user" ? Number(p.id) : -Number(p.id),
	accessHash: `${p.accessHash & 0xffffffffn}|${p.accessHash >> 32n}`,
	isMin: false,
	usernames: [],
	updated: Date.now(),
	phone: undefined,
	complete: new Uint8Array(64),
});
