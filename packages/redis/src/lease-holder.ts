// Who holds a session's lease, and what a holder that lost it is told.
import { type LockHolder, SessionLockedError } from "@x/session-core";
import { BACKEND } from "./keys.js";

/** Error-reply prefix of the Lua scripts when the caller no longer holds the session's lease. */
export const LEASE_LOST_REPLY = "XSLEASE";

/** Parses a lease value `xs1|token|pid|host|owner` into a lock holder. */
export function parseLeaseValue(
	value: string | null | undefined,
	pttl?: number,
): LockHolder | undefined {
	if (!value) return undefined;
	const parts = value.split("|");
	if (parts[0] !== "xs1" || parts.length < 5) return { owner: value.slice(0, 128) };
	const pid = Number(parts[2]);
	const holder: LockHolder = { owner: parts.slice(4).join("|"), host: parts[3] as string };
	if (Number.isInteger(pid) && pid > 0) holder.pid = pid;
	if (pttl !== undefined && pttl > 0) holder.expiresAt = Date.now() + pttl;
	return holder;
}

/** Human-readable description of a lock holder for error messages. */
export function describeHolder(holder: LockHolder | undefined): string {
	if (!holder) return "another owner";
	const parts = [];
	if (holder.pid !== undefined) parts.push(`pid ${holder.pid}`);
	if (holder.host) parts.push(`on host ${holder.host}`);
	if (holder.owner) parts.push(`(owner ${holder.owner})`);
	if (holder.expiresAt !== undefined)
		parts.push(`until ${new Date(holder.expiresAt).toISOString()}`);
	return parts.length ? parts.join(" ") : "another owner";
}

/** How this instance lost its lease: taken over (a newer token), or run out with nobody after it. */
export type LeaseLoss =
	| { kind: "taken"; fence: string | undefined; holder: LockHolder | undefined }
	| { kind: "expired" };

/** The loss a script's `XSLEASE expired` / `XSLEASE taken <fence> <holder value>` reply names. */
export function parseLeaseLoss(reply: string): LeaseLoss {
	const text = reply.slice(reply.indexOf(LEASE_LOST_REPLY) + LEASE_LOST_REPLY.length).trim();
	const [kind, fence, value] = text.split(/\s+/);
	if (kind === "expired") return { kind: "expired" };
	return {
		kind: "taken",
		fence: fence && fence !== "-" ? fence : undefined,
		holder: parseLeaseValue(value),
	};
}

/** The {@link SessionLockedError} of a write (or renewal) refused because the lease is gone. */
export function leaseLostError(op: string, loss: LeaseLoss, cause?: Error): SessionLockedError {
	const base = cause ? { backend: BACKEND, cause } : { backend: BACKEND };
	if (loss.kind === "expired")
		return new SessionLockedError(
			`${op}: refused: this instance's lease expired (it was not renewed within leaseTtlMs: a pause, an outage or a batch longer than that). It is never taken back, as another process may take the session at any moment: close this instance and open the session again`,
			base,
		);
	const token = loss.fence ? ` (fencing token ${loss.fence})` : "";
	const now = loss.holder
		? `; it is held by ${describeHolder(loss.holder)}`
		: "; nobody holds it at this moment";
	return new SessionLockedError(
		`${op}: refused: another holder took over this session${token}${now}. This instance's lease is gone for good: close it, and stop using the session's auth keys here`,
		loss.holder ? { ...base, holder: loss.holder } : base,
	);
}
