// What every session on one ioredis client shares, whoever created the client: one set of
// listeners (the connection watch) and one lease renewer. Sessions attach on open and detach on
// close; the last one out removes the listeners and stops the renewer's timer.
import { ConnectionWatch, type RedisLike } from "./client.js";
import { LeaseRenewer } from "./lease-renewer.js";

/** The per-client state shared by its sessions. */
export interface ClientHub {
	readonly watch: ConnectionWatch;
	readonly renewer: LeaseRenewer;
	/** Gives this session's share back (idempotent). */
	detach(): void;
}

interface Shared {
	watch: ConnectionWatch;
	renewer: LeaseRenewer;
	sessions: number;
}

const hubs = new WeakMap<RedisLike, Shared>();

/** This session's share of `client`'s hub, created by the first session on it. */
export function attachHub(client: RedisLike): ClientHub {
	let shared = hubs.get(client);
	if (!shared) {
		const watch = new ConnectionWatch(client);
		shared = { watch, renewer: new LeaseRenewer(client, watch), sessions: 0 };
		hubs.set(client, shared);
	}
	shared.sessions++;
	const held = shared;
	let detached = false;
	return {
		watch: held.watch,
		renewer: held.renewer,
		detach() {
			if (detached) return;
			detached = true;
			if (--held.sessions > 0) return;
			held.watch.detach();
			if (hubs.get(client) === held) hubs.delete(client);
		},
	};
}

/** How many open sessions share `client`'s hub (0: none). */
export function hubSessions(client: RedisLike): number {
	return hubs.get(client)?.sessions ?? 0;
}
