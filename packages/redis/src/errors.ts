import { CorruptSessionError, SessionBackendError, SessionConnectionError } from "@x/session-core";
import { redactSecrets } from "@x/session-core/backend";
import { clusterRefusal } from "./cluster-refusal.js";
import { BACKEND } from "./keys.js";
import { LEASE_LOST_REPLY, leaseLostError, parseLeaseLoss } from "./lease-holder.js";

/** Errors known not to have been applied though the command was sent (a cluster refusal). */
const refusals = new WeakSet<Error>();

/** True when the error is a cluster's refusal: the command was sent but certainly not run. */
export function wasRefused(error: Error): boolean {
	return refusals.has(error);
}

/**
 * A write was applied on the primary but not acknowledged by enough replicas (`WAIT`) or AOF
 * fsyncs (`WAITAOF`) in time. The data is there; it may or may not survive a failover or crash.
 */
export class RedisDurabilityError extends SessionBackendError {
	override readonly name: string = "RedisDurabilityError";
	/** What was asked for. */
	readonly required: { local: number; replicas: number };
	/** What the server confirmed. */
	readonly acknowledged: { local: number; replicas: number };
	constructor(
		message: string,
		required: { local: number; replicas: number },
		acknowledged: { local: number; replicas: number },
	) {
		super("TIMEOUT", message, { backend: BACKEND });
		this.required = required;
		this.acknowledged = acknowledged;
	}
}

/** An option needs a server feature this server lacks (e.g. `waitForAof` needs Redis 7.2+). */
export class RedisFeatureUnsupportedError extends SessionBackendError {
	override readonly name: string = "RedisFeatureUnsupportedError";
	/** The missing command or feature, e.g. `"WAITAOF"`. */
	readonly feature: string;
	constructor(feature: string, message: string) {
		super("INVALID_ARGUMENT", message, { backend: BACKEND });
		this.feature = feature;
	}
}

const AUTH_RE =
	/^(NOAUTH|WRONGPASS|NOPERM)\b|invalid password|invalid username-password|Client sent AUTH|AUTH failed|ERR AUTH/i;
const CONNECTION_RE =
	/Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Stream isn't writeable|enableOfflineQueue|All nodes failed|Failed to refresh slots cache|None of startup nodes|Cluster isn't ready|Cluster is (ended|disconnected)|Too many Cluster redirections|socket|disconnect|aborted due to connection close/i;

/**
 * Converts whatever ioredis threw into a typed error. The original error is never attached:
 * ioredis errors carry the command's arguments (auth keys, and the password for AUTH/HELLO).
 * The cause is a plain Error with the redacted message and name only.
 */
export function toSessionError(
	error: unknown,
	op: string,
	secrets: readonly string[],
): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const raw = error instanceof Error ? error.message : String(error);
	const message = redactSecrets(raw, secrets).slice(0, 500);
	const cause = new Error(message);
	cause.name = error instanceof Error ? error.name : "Error";
	if (raw.includes(LEASE_LOST_REPLY)) return leaseLostError(op, parseLeaseLoss(raw), cause);
	if (raw.includes("XSCORRUPT")) {
		const what = message.slice(message.indexOf("XSCORRUPT") + 9).trim();
		return new CorruptSessionError(`${op}: stored ${what} does not decode`, {
			backend: BACKEND,
			cause,
		});
	}
	const refusal = clusterRefusal(raw);
	if (refusal) {
		const e = new SessionConnectionError(
			`${op}: the Redis Cluster refused the command (${refusal.kind}: a failover, resharding or restart is under way), so it was not applied: retry it once the cluster has settled (${message.slice(0, 200)})`,
			{ backend: BACKEND, cause },
		);
		refusals.add(e);
		return e;
	}
	if (AUTH_RE.test(raw)) {
		return new SessionConnectionError(`${op}: authentication failed: ${message}`, {
			backend: BACKEND,
			code: "AUTH",
			cause,
		});
	}
	if (/Command timed out/i.test(raw)) {
		return new SessionConnectionError(`${op}: the command timed out (ioredis commandTimeout)`, {
			backend: BACKEND,
			code: "TIMEOUT",
			cause,
		});
	}
	if (cause.name === "MaxRetriesPerRequestError" || CONNECTION_RE.test(raw)) {
		return new SessionConnectionError(`${op}: Redis is not reachable: ${message}`, {
			backend: BACKEND,
			cause,
		});
	}
	return new SessionBackendError("IO", `${op} failed: ${message}`, { backend: BACKEND, cause });
}

/** Connection state used to tell "slow server" from "no connection" when a timeout fires. */
export interface ConnectionProbe {
	status(): string;
	lastError(): string | undefined;
}

/**
 * A write that was sent and then lost its connection, or got no answer in time: `TIMEOUT`, never
 * `CONNECTION`. The server may have applied it, and ioredis sends unanswered commands again when
 * it reconnects (`autoResendUnfulfilledCommands`), so it may still be applied later.
 */
export function outcomeUnknown(op: string, why: string): SessionConnectionError {
	return new SessionConnectionError(
		`${op}: ${why}; the write was sent, so it may or may not have been applied (ioredis may send it again on reconnect): load() to see`,
		{ backend: BACKEND, code: "TIMEOUT" },
	);
}

/**
 * No ready connection within `ms`: `AUTH` when the last error says the login was refused, else
 * `CONNECTION`. For a `write` that waited for the connection (and so was never sent), the
 * message says it was not applied.
 */
export function notConnected(
	op: string,
	ms: number,
	probe: ConnectionProbe,
	secrets: readonly string[],
	write: boolean,
): SessionConnectionError {
	const status = probe.status();
	const last = probe.lastError();
	if (last !== undefined && AUTH_RE.test(last))
		return new SessionConnectionError(
			`${op}: authentication failed: ${redactSecrets(last, secrets).slice(0, 200)}`,
			{ backend: BACKEND, code: "AUTH" },
		);
	const waited = status === "end" ? "the client was closed" : `no answer within ${ms} ms`;
	return new SessionConnectionError(
		`${op}: ${waited}; the client is not connected (status ${status}${last ? `, last error: ${redactSecrets(last, secrets).slice(0, 200)}` : ""})${write ? "; the write was not sent, so it was not applied: retry it" : ""}`,
		{ backend: BACKEND },
	);
}

/**
 * Settles with `promise`, or rejects after `ms` with a {@link SessionConnectionError}: code
 * `CONNECTION` when the client is not connected, else `TIMEOUT`. The command itself is not
 * cancelled (Redis has no way to do that); its outcome is unknown. With `sent` (a write handed
 * to a ready connection) every timeout and every loss of the connection is `TIMEOUT`, as the
 * write may have been applied.
 */
export function withTimeout<T>(
	promise: Promise<T>,
	ms: number,
	op: string,
	probe: ConnectionProbe,
	secrets: readonly string[],
	sent = false,
): Promise<T> {
	const mapped = (e: unknown) => {
		const error = toSessionError(e, op, secrets);
		// "Connection is closed", MaxRetriesPerRequestError, a MULTI aborted by the close…
		if (sent && error.code === "CONNECTION" && !wasRefused(error))
			return outcomeUnknown(op, `the connection was lost before the answer (${probe.status()})`);
		return error;
	};
	if (!(ms > 0) || !Number.isFinite(ms))
		return promise.catch((e: unknown) => Promise.reject(mapped(e)));
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => {
			const status = probe.status();
			if (sent) {
				reject(outcomeUnknown(op, `no answer within ${ms} ms (client status ${status})`));
			} else if (status !== "ready" && status !== "connect") {
				reject(notConnected(op, ms, probe, secrets, false));
			} else {
				reject(
					new SessionConnectionError(
						`${op}: no answer within ${ms} ms (commandTimeout); the outcome of the command is unknown`,
						{ backend: BACKEND, code: "TIMEOUT" },
					),
				);
			}
		}, ms);
		promise.then(
			(v) => {
				clearTimeout(timer);
				resolve(v);
			},
			(e: unknown) => {
				clearTimeout(timer);
				reject(mapped(e));
			},
		);
	});
}
