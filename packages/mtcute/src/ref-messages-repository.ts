import type { StorageState } from "./state.js";

/** mtcute's `IReferenceMessagesRepository`: in memory, written at `driver.save()`. */
export interface ReferenceMessagesRepository {
	store(peerId: number, chatId: number, msgId: number): Promise<void>;
	getByPeer(peerId: number): Promise<[number, number] | null>;
	delete(chatId: number, msgIds: number[]): Promise<void>;
	deleteByPeer(peerId: number): Promise<void>;
	deleteAll(): Promise<void>;
}

export function referenceMessagesRepository(state: StorageState): ReferenceMessagesRepository {
	const refs = state.refs;
	return {
		store: (peerId, chatId, msgId) => state.ready(async () => refs.store(peerId, chatId, msgId)),
		getByPeer: (peerId) => state.ready(async () => refs.getByPeer(peerId)),
		delete: (chatId, msgIds) => state.ready(async () => refs.delete(chatId, msgIds)),
		deleteByPeer: (peerId) => state.ready(async () => refs.deleteByPeer(peerId)),
		deleteAll: () => state.ready(async () => refs.deleteAll()),
	};
}
