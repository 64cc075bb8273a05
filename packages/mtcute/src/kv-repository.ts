import { MTCUTE_KEYS } from "./keys.js";
import type { StorageState } from "./state.js";

/** mtcute's `IKeyValueRepository`: held until `driver.save()`. */
export interface KeyValueRepository {
	set(key: string, value: Uint8Array): Promise<void>;
	get(key: string): Promise<Uint8Array | null>;
	delete(key: string): Promise<void>;
	deleteAll(): Promise<void>;
}

export function keyValueRepository(state: StorageState): KeyValueRepository {
	const set = (key: string, value: Uint8Array | null): Promise<void> =>
		state.ready(async () => {
			state.kvUnsaved.set(key, value);
			state.ext.set(MTCUTE_KEYS.kv + key, value);
		});
	return {
		set: (key, value) => set(key, new Uint8Array(value)),
		get: (key) => state.ready(() => state.kvGet(key)),
		delete: (key) => set(key, null),
		deleteAll: () => state.ready(() => state.exclusive(() => deleteAll(state))),
	};
}

async function deleteAll(state: StorageState): Promise<void> {
	const keys = new Set(state.resident ? [] : await state.backend.listExtensionKeys(MTCUTE_KEYS.kv));
	for (const [key, value] of state.ext) if (key.startsWith(MTCUTE_KEYS.kv) && value) keys.add(key);
	const zero = { pts: 0, qts: 0, date: 0, seq: 0, channels: [] };
	await state.backend.applyChanges({
		updateState: [{ type: "all", state: zero }],
		deleteExtensions: [...keys],
	});
	state.kvUnsaved.clear();
	for (const key of [...state.ext.keys()])
		if (key.startsWith(MTCUTE_KEYS.kv)) state.ext.set(key, null);
}
