import { IdentifierOwners } from "../extensions.js";
import type { CachedPeer, PeerMeta } from "../types.js";
import { PEER_KINDS } from "./rows.js";

/** A batch of peers with metadata, played in order among its own peers (see {@link settleBatch}). */
export interface SettledBatch {
	/** One entry per peer with metadata, with its final metadata (less what later peers took). */
	final: CachedPeer[];
	/** The index in `final` of each of its peers, by kind (the stored number) then id. */
	index(): Map<bigint, number>[];
	/** Who holds each username and phone of `final`. */
	owners: IdentifierOwners;
	/** Usernames and phones claimed on the way that no final peer holds (none, usually). */
	releasedUsernames: string[];
	releasedPhones: string[];
	/** Every username and phone the batch's peers claim, once each (computed on first call). */
	claimed(): ClaimedIdentifiers;
}

/** Usernames and phones, once each. */
export interface ClaimedIdentifiers {
	usernames: Set<string>;
	phones: Set<string>;
}

/**
 * A batch played in order among its own peers: one entry per peer with its final metadata
 * (less what later peers of the batch took), and the usernames and phones claimed on the way
 * but not kept; those exist only when a peer repeats or takes another's identifier, so the
 * usual batch is not searched for them. With `distinct` (no peer repeats), the peers are indexed
 * only when {@link SettledBatch.index} is first called.
 */
export function settleBatch(peers: readonly CachedPeer[], distinct: boolean): SettledBatch {
	const final: CachedPeer[] = [];
	let at: Map<bigint, number>[] | undefined;
	const owners = new IdentifierOwners(final);
	let repeated = false;
	let names = 0;
	let phones = 0;
	if (!distinct) at = PEER_KINDS.map(() => new Map<bigint, number>());
	for (const p of peers) {
		if (!p.meta) continue;
		let i = final.length;
		if (at) {
			const ids = at[PEER_KINDS.indexOf(p.kind)] as Map<bigint, number>;
			const known = ids.get(p.id);
			if (known === undefined) ids.set(p.id, i);
			else {
				i = known;
				repeated = true;
			}
		}
		final[i] = p;
		owners.claim(i);
		names += p.meta.usernames.length;
		if (p.meta.phone !== null) phones++;
	}
	const index = () => {
		if (!at) {
			at = PEER_KINDS.map(() => new Map<bigint, number>());
			for (let i = 0; i < final.length; i++) {
				const p = final[i] as CachedPeer;
				at[PEER_KINDS.indexOf(p.kind)]?.set(p.id, i);
			}
		}
		return at;
	};
	let claimed: ClaimedIdentifiers | undefined;
	const batch: SettledBatch = {
		final,
		index,
		owners,
		releasedUsernames: [],
		releasedPhones: [],
		claimed: () => (claimed ??= claimedBy(peers)),
	};
	if (!repeated) {
		// without repeats, a claim only ever removes: the same count means nothing was taken
		for (const p of final) {
			const meta = p.meta as PeerMeta;
			names -= meta.usernames.length;
			if (meta.phone !== null) phones--;
		}
		if (names === 0 && phones === 0) return batch;
	}
	const taken = batch.claimed();
	for (const u of taken.usernames)
		if (owners.ownerOfUsername(u) === undefined) batch.releasedUsernames.push(u);
	for (const phone of taken.phones)
		if (owners.ownerOfPhone(phone) === undefined) batch.releasedPhones.push(phone);
	return batch;
}

/** Every username and phone the batch's peers claim, once each. */
function claimedBy(peers: readonly CachedPeer[]): ClaimedIdentifiers {
	const usernames = new Set<string>();
	const phones = new Set<string>();
	for (const p of peers) {
		if (!p.meta) continue;
		for (const u of p.meta.usernames) usernames.add(u);
		if (p.meta.phone !== null) phones.add(p.meta.phone);
	}
	return { usernames, phones };
}
