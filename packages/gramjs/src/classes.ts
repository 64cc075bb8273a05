import { SessionBackendError } from "@x/session-core";

/** The parts of GramJS's `AuthKey` the adapter uses. */
export interface AuthKeyLike {
	getKey(): Buffer | undefined;
	setKey(value?: Buffer): Promise<void>;
}

/**
 * The classes of the user's own `telegram` (or `teleproto`) install. GramJS accepts a session
 * only when it is `instanceof` that copy's `Session`, so the adapter extends the `MemorySession`
 * it is given instead of importing one of its own.
 */
export interface GramjsClasses<S = unknown> {
	/** Your `MemorySession`: the returned session has its type, so `TelegramClient` accepts it. */
	MemorySession: abstract new () => S;
	AuthKey: new () => AuthKeyLike;
}

/** What the adapter needs of GramJS's `MemorySession` (runtime members; see its `.d.ts`). */
export interface MemorySessionShape {
	setDC(dcId: number, serverAddress: string, port: number): void;
	readonly dcId: number;
	readonly serverAddress: string | undefined;
	readonly port: number | undefined;
	authKey: AuthKeyLike | undefined;
	_entitiesToRows(tlo: unknown): unknown[][];
}

/** The `authKey` accessor of GramJS's `MemorySession` (its subclass overrides it). */
export function accessor(proto: object, name: string): PropertyDescriptor {
	for (let p: object | null = proto; p; p = Object.getPrototypeOf(p)) {
		const found = Object.getOwnPropertyDescriptor(p, name);
		if (found?.get && found.set) return found;
	}
	throw new SessionBackendError("INVALID_ARGUMENT", `MemorySession has no ${name} accessor`, {
		backend: "gramjs",
	});
}

/** A key object of the user's `AuthKey` class holding `key`. */
export async function authKeyOf(
	AuthKey: new () => AuthKeyLike,
	key: { expose(): Uint8Array },
): Promise<AuthKeyLike> {
	const out = new AuthKey();
	await out.setKey(Buffer.from(key.expose()));
	return out;
}
