import assert from "node:assert/strict";
import { prepareSession } from "../backend.js";
import { canonicalSession, sessionsEqual } from "../equality.js";
import { normalizeSession } from "../normalize.js";
import type { SecretBytes } from "../secret.js";
import type { PersistedSession } from "../types.js";

/** FNV-1a of the bytes: tells secrets apart in a diff without printing them. */
function fingerprint(secret: SecretBytes | null): string | null {
	if (secret === null) return null;
	return secret.read((bytes) => {
		let h = 0x811c9dc5;
		for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
		return `secret(${bytes.length} bytes, fnv ${h.toString(16)})`;
	});
}

/** A plain, order-independent, printable form of a session with secrets fingerprinted. */
export function comparableSession(session: PersistedSession): unknown {
	const s = canonicalSession(session);
	return {
		homeDcId: s.homeDcId,
		dcs: s.dcs.map((d) => ({ ...d, authKey: fingerprint(d.authKey) })),
		updatesState: s.updatesState,
		peers: s.peers.map((p) =>
			p.meta
				? {
						...p,
						meta: {
							...p.meta,
							usernames: [...p.meta.usernames].sort(),
							data: p.meta.data && Array.from(p.meta.data),
						},
					}
				: p,
		),
		minPeers: s.minPeers,
		futureAuthToken: fingerprint(s.futureAuthToken),
		extensions: [...(s.extensions ?? [])]
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([k, v]) => [k, fingerprint(v)]),
	};
}

/**
 * Asserts that `actual` holds what `expected` holds once duplicates are collapsed and peer
 * metadata is in stored form (see `normalizeSession`, `normalizePeerMeta`); list order is ignored. The diff never shows secret bytes.
 */
export function assertSameSession(
	actual: PersistedSession | null,
	expected: PersistedSession,
	message?: string,
): asserts actual is PersistedSession {
	assert.ok(actual !== null, message ?? "expected a session, got null");
	const want = normalizeSession(prepareSession(expected, "expected"));
	if (sessionsEqual(actual, want)) return;
	assert.deepStrictEqual(comparableSession(actual), comparableSession(want), message);
	// The printable forms matched but the sessions did not: the secrets differ beyond the hash.
	assert.fail(message ?? "sessions differ in secret bytes");
}
