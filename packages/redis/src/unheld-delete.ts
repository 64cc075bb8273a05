// Deleting a session nobody holds, outside an open backend (the static deleteSession). It is
// confirmed as an open backend's writes are: with a replica wait (by default on a Redis Cluster
// with replicas, `waitForReplicas` to choose) the deletion resolves only once replicas have it,
// so a failover right after it cannot bring the session back.
import { SessionLockedError } from "@x/session-core";
import {
	ConnectionWatch,
	checkDatabase,
	DEFAULT_COMMAND_TIMEOUT,
	type RedisLike,
} from "./client.js";
import { checkDurabilitySupport, type Durability, validateDurability } from "./durability.js";
import { RedisDurabilityError } from "./errors.js";
import { BACKEND, sessionKeys } from "./keys.js";
import { describeHolder, parseLeaseValue } from "./lease-holder.js";
import { resolveReplicaWait } from "./replica-default.js";
import { CommandRunner } from "./runner.js";
import { defineScripts } from "./scripts.js";

/** What the deletion needs: where the session is, and the durability `open()` would use. */
export interface UnheldDeletion extends Durability {
	client: RedisLike;
	prefix?: string | undefined;
	commandTimeout?: number | undefined;
	sessionId: string;
}

/**
 * Deletes the session's data if no lease is held on it (the fence stays, so tokens never
 * repeat). Resolves `true` when there was data; rejects with `SessionLockedError` when the lease
 * is held, and with {@link RedisDurabilityError} when the replicas did not confirm the deletion.
 */
export async function deleteUnheldSession(d: UnheldDeletion): Promise<boolean> {
	validateDurability(d);
	const { client } = d;
	const keys = sessionKeys(d.prefix ?? "xs", d.sessionId);
	const watch = new ConnectionWatch(client);
	try {
		const runner = new CommandRunner(
			client,
			watch,
			d.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT,
			{ waitForAof: d.waitForAof },
			() => undefined,
		);
		const run = <T>(op: string, c: () => Promise<T>) => runner.bounded(op, c);
		defineScripts(client);
		await checkDatabase(client, run); // never another database's session of the same name
		await checkDurabilitySupport(client, d, run);
		runner.useReplicaWait(await resolveReplicaWait(client, d.waitForReplicas, run));
		// sent on a ready connection only (CONNECTION: not deleted), waits on the same connection
		const { reply, unconfirmed } = await runner.leaseScript("delete session", (c) =>
			c.xsessionDeleteFree(keys.lease, keys.fence, ...keys.data),
		);
		const [free, found, pttl] = reply as [number, string | number, number?];
		if (free === 0) {
			const holder = parseLeaseValue(String(found), pttl);
			throw new SessionLockedError(
				`session "${d.sessionId}" is open elsewhere: locked by ${describeHolder(holder)}`,
				{ backend: BACKEND, ...(holder ? { holder } : {}) },
			);
		}
		if (unconfirmed) {
			const { required, acknowledged } = unconfirmed;
			throw new RedisDurabilityError(
				`delete session "${d.sessionId}": deleted on the node that took it, but not confirmed in time (${acknowledged.replicas} of ${required.replicas} replicas${required.local ? `, ${acknowledged.local} of 1 local fsync` : ""}): a failover now could bring the session back; delete it again once the cluster has settled`,
				required,
				acknowledged,
			);
		}
		return Number(found) > 0;
	} finally {
		watch.detach();
	}
}
