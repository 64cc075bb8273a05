import {
	EncodeOverflowError,
	emptySession,
	encodeSession,
	type PersistedSession,
} from "@x/session-core";
import type { PreparedChanges } from "@x/session-core/backend";
import { BACKEND } from "./options.js";

// With flushInterval > 0 a granular change is applied to the state in memory and written later:
// these make a change copy only what it writes to, and refuse at once what the encoder would
// refuse at the flush (accepted into memory, it would fail every later flush).

/** The parts of a session a change may write to (a change copies only those). */
export type Touched = "dcs" | "peers" | "minPeers" | "updatesState" | "extensions" | "none";

/** `current` with fresh copies of the parts in `parts`, the rest shared. */
export function copyTouched(
	current: PersistedSession,
	parts: ReadonlySet<Touched>,
): PersistedSession {
	// copy only the part the change writes to: the hot path (update state) stays O(channels)
	const next: PersistedSession = { ...current };
	if (parts.has("dcs")) next.dcs = current.dcs.slice();
	if (parts.has("peers")) next.peers = current.peers.slice();
	if (parts.has("minPeers")) next.minPeers = current.minPeers.slice();
	if (parts.has("extensions")) next.extensions = new Map(current.extensions);
	if (parts.has("updatesState"))
		next.updatesState = {
			...current.updatesState,
			channels: current.updatesState.channels.map((c) => ({ ...c })),
		};
	return next;
}

/** The parts a batch of changes writes to. */
export function touchedBy(prepared: PreparedChanges): Touched[] {
	const touches: Touched[] = [];
	if (prepared.dcs.length > 0) touches.push("dcs");
	if (prepared.updateState.length > 0) touches.push("updatesState");
	if (prepared.peers.length > 0) touches.push("peers");
	if (prepared.deleteMinPeers.length + prepared.minPeers.length > 0) touches.push("minPeers");
	if (prepared.deleteExtensions.length + prepared.setExtensions.length > 0)
		touches.push("extensions");
	return touches;
}

/** Encodes only the parts a batch brings (the rest was accepted before). */
export function encodesChanges(prepared: PreparedChanges, next: PersistedSession): void {
	const chunks = <T>(items: T[], n: number) =>
		Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));
	for (const dcs of chunks(prepared.dcs, 255)) encodes({ dcs });
	if (prepared.updateState.length > 0) encodes({ updatesState: next.updatesState });
	for (const peers of chunks(prepared.peers, 65_535)) encodes({ peers });
	for (const minPeers of chunks(prepared.minPeers, 65_535)) encodes({ minPeers });
	if (prepared.setExtensions.length > 0) encodes({ extensions: new Map(prepared.setExtensions) });
}

/**
 * Runs the encoder on the part a coalesced change brings in (an otherwise empty session), so a
 * value it would refuse is refused when the change is made, with the encoder's own error.
 */
export function encodes(part: Partial<PersistedSession>): void {
	encodeSession({ ...emptySession(), ...part });
}

/** The same checks the encoder makes, run before a change is accepted into memory. */
export function checkFits(session: PersistedSession, dcsChanged: boolean): void {
	const over = (what: string, n: number, max: number) => {
		if (n > max)
			throw new EncodeOverflowError(`${what}: ${n} does not fit the v8 format (at most ${max})`, {
				backend: BACKEND,
			});
	};
	over("DC entries", session.dcs.length, 255);
	over("peers", session.peers.length, 65_535);
	over("min peers", session.minPeers.length, 65_535);
	over("channel pts entries", session.updatesState.channels.length, 65_535);
	// addresses of DC entries already accepted were checked then (this runs per coalesced change)
	if (!dcsChanged) return;
	const utf8 = new TextEncoder();
	for (const dc of session.dcs) over("address bytes", utf8.encode(dc.addr).length, 255);
}
