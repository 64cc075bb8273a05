import { keyedQueue } from "@x/session-core/sql";
import type pg from "pg";

/** One queue per caller's client: its statements and transactions never interleave. */
const enqueue = keyedQueue();

/**
 * A caller's single client as a pool-like source of connections, one user at a time. Nothing is
 * set on it: our statements name their schema, and transactions set their timeout `LOCAL`ly.
 */
export function singleClient(client: pg.Client): Pick<pg.Pool, "connect" | "query"> {
	const lease = () =>
		({
			query: client.query.bind(client),
			on: client.on.bind(client),
			off: client.off.bind(client),
			release() {},
		}) as unknown as pg.PoolClient;
	return {
		connect: (() => {
			// the caller of connect() releases; the queue slot is held until then
			let release!: () => void;
			const held = new Promise<void>((r) => {
				release = r;
			});
			return new Promise<pg.PoolClient>((resolve) => {
				void enqueue(client, async () => {
					const c = lease();
					c.release = () => release();
					resolve(c);
					await held;
				});
			});
		}) as pg.Pool["connect"],
		query: ((text: string) =>
			enqueue(client, () => client.query(text))) as unknown as pg.Pool["query"],
	};
}
