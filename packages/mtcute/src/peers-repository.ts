import type { CachedPeer } from "@x/session-core";
import { peerOfMarkedId } from "./ids.js";
import { type PeerInfo, peerInfoOf } from "./peers.js";
import type { StorageState } from "./state.js";

const DONE: Promise<void> = Promise.resolve();

/** mtcute's `IPeersRepository`: held until `driver.save()`; reads see held peers. */
export interface PeersRepository {
	store(peer: PeerInfo): Promise<void>;
	getById(id: number): Promise<PeerInfo | null>;
	getByUsername(username: string): Promise<PeerInfo | null>;
	getByPhone(phone: string): Promise<PeerInfo | null>;
	deleteAll(): Promise<void>;
}

export function peersRepository(state: StorageState): PeersRepository {
	return {
		store: (peer) => {
			// mtcute calls this per peer: once loaded, no task to queue
			if (!state.loaded) return state.ready(async () => storePeer(state, peer));
			try {
				storePeer(state, peer);
				return DONE;
			} catch (error) {
				return Promise.reject(error);
			}
		},
		getById: (id) => state.ready(() => peerById(state, id)),
		getByUsername: (username) => state.ready(() => peerBy(state, "username", username)),
		getByPhone: (phone) => state.ready(() => peerBy(state, "phone", phone)),
		deleteAll: () => state.ready(() => state.exclusive(() => deletePeers(state))),
	};
}

/** A peer stored and not saved yet (or in the save in flight). */
function unsavedPeer(state: StorageState, id: number): PeerInfo | undefined {
	return state.peersUnsaved.get(id) ?? state.peersSaving?.get(id);
}

function storePeer(state: StorageState, peer: PeerInfo): void {
	const info: PeerInfo = {
		...peer,
		usernames: [...(peer.usernames ?? [])],
		isMin: peer.isMin === true,
	};
	state.peersUnsaved.set(info.id, info);
	state.resident?.put(info);
}

async function peerById(state: StorageState, id: number): Promise<PeerInfo | null> {
	const unsaved = unsavedPeer(state, id);
	if (unsaved) return unsaved;
	if (state.resident) return state.resident.byId(id);
	const peer = peerOfMarkedId(id);
	return peer && infoOf(await state.backend.getPeer(peer.kind, peer.id));
}

async function peerBy(
	state: StorageState,
	what: "username" | "phone",
	value: string,
): Promise<PeerInfo | null> {
	let found: PeerInfo | null;
	if (state.resident)
		found = what === "username" ? state.resident.byUsername(value) : state.resident.byPhone(value);
	else {
		found = null;
		const owns = what === "username" ? ownsUsername : ownsPhone;
		// the last owner in store order, as one map of everything unsaved would hold them: the
		// saving peers (as stored since, when they were), then the peers new since
		const saving = state.peersSaving;
		const unsaved = state.peersUnsaved;
		if (saving)
			for (const [id, info] of saving) {
				const latest = unsaved.get(id) ?? info;
				if (owns(latest, value)) found = latest;
			}
		for (const [id, info] of unsaved) if (!saving?.has(id) && owns(info, value)) found = info;
		if (!found) {
			const stored = infoOf(
				await (what === "username"
					? state.backend.findPeerByUsername(value)
					: state.backend.findPeerByPhone(value)),
			);
			// a peer rewritten since, without this username or phone, no longer owns it
			found = stored && !unsavedPeer(state, stored.id) ? stored : null;
		}
	}
	return found && !found.isMin ? found : null; // never a min peer by username or phone
}

async function deletePeers(state: StorageState): Promise<void> {
	state.peersUnsaved.clear();
	state.resident?.clear();
	const session = await state.backend.load();
	if (!session || session.peers.length === 0) return;
	session.peers = [];
	await state.backend.save(session);
}

function infoOf(peer: CachedPeer | null): PeerInfo | null {
	return peer && peerInfoOf(peer);
}

function ownsUsername(info: PeerInfo, username: string): boolean {
	const wanted = username.trim().replace(/^@/, "").toLowerCase();
	return info.usernames.some((u) => u.toLowerCase() === wanted);
}

function ownsPhone(info: PeerInfo, phone: string): boolean {
	const digits = phone.replace(/\D/g, "");
	return digits.length > 0 && (info.phone ?? "").replace(/\D/g, "") === digits;
}
