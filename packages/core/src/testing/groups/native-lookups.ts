import assert from "node:assert/strict";
import { findPeerByPhoneIn, findPeerByUsernameIn, peerMetaEqual } from "../../extensions.js";
import { PEER_KINDS } from "../../kinds.js";
import { upsertPeers } from "../../peer-index.js";
import { findPeer } from "../../peers.js";
import { emptySession } from "../../session.js";
import type { CachedPeer, PeerKind, PeerMeta, PersistedSession } from "../../types.js";
import { assertSameSession } from "../compare.js";
import { seededRandom, testPeer } from "../fixtures.js";
import type { Register } from "../suite-types.js";

import { meta } from "./peer-meta-helpers.js";

/** The "nativeLookups" group: the native queries agree with lookups over a loaded session. */
export function nativeLookupTests(test: Register): void {
	test(
		"native lookups agree with lookups over load() on a seeded workload",
		async (open) => {
			const b = await open();
			const next = seededRandom(77);
			const model: PersistedSession = emptySession();
			const kinds = PEER_KINDS;
			for (let round = 0; round < 20; round++) {
				const batch: CachedPeer[] = [];
				for (let i = 0; i < 100; i++) {
					const kind = kinds[next() % 4] as PeerKind;
					const peer = testPeer(kind, BigInt(next() % 500), BigInt(next() % 3));
					if (next() % 4 !== 0)
						peer.meta = meta(
							next() % 5 === 0 ? [] : [`N${next() % 400}`, `m${next() % 400}`],
							next() % 3 === 0 ? null : `+${next() % 300}`,
							{ updatedAt: round },
						);
					batch.push(peer);
				}
				await b.cachePeers(batch);
				upsertPeers(
					model,
					batch.map((p) => (p.meta ? { ...p, meta: normalized(p.meta) } : p)),
				);
			}
			const stored = await b.load();
			assertSameSession(stored, model);
			for (let q = 0; q < 400; q++) {
				const name = `${q % 2 ? "N" : "m"}${q}`;
				const want = findPeerByUsernameIn(model, name) ?? null;
				const got = await b.findPeerByUsername(name);
				assert.equal(got && `${got.kind}:${got.id}`, want && `${want.kind}:${want.id}`, name);
				const phone = `${q % 310}`;
				const wantPhone = findPeerByPhoneIn(model, phone) ?? null;
				const gotPhone = await b.findPeerByPhone(phone);
				assert.equal(
					gotPhone && `${gotPhone.kind}:${gotPhone.id}`,
					wantPhone && `${wantPhone.kind}:${wantPhone.id}`,
					phone,
				);
				const kind = kinds[q % 4] as PeerKind;
				const id = BigInt(q % 520);
				const wantPeer = findPeer(model, kind, id) ?? null;
				const gotPeer = await b.getPeer(kind, id);
				assert.equal(gotPeer?.accessHash, wantPeer?.accessHash, `${kind} ${id}`);
				assert.ok(peerMetaEqual(gotPeer?.meta, wantPeer?.meta), `${kind} ${id} metadata`);
			}
		},
		"nativeLookups",
	);
}

function normalized(m: PeerMeta): PeerMeta {
	return {
		...m,
		usernames: [...new Set(m.usernames.map((u) => u.toLowerCase()))],
		phone: m.phone === null ? null : m.phone.replace(/\D/g, "") || null,
	};
}
