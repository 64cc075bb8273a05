import type { DcEntry } from "@x/session-core";
import { packTempKey, unpackTempKey } from "./codec.js";
import { dcEntryFor } from "./dc-entries.js";
import { MTCUTE_KEYS } from "./keys.js";
import type { StorageState } from "./state.js";

/** mtcute's `IAuthKeysRepository`: every write is applied before it resolves. */
export interface AuthKeysRepository {
	set(dc: number, key: Uint8Array | null): Promise<void>;
	get(dc: number): Promise<Uint8Array | null>;
	setTemp(dc: number, idx: number, key: Uint8Array | null, expires: number): Promise<void>;
	getTemp(dc: number, idx: number, now: number): Promise<Uint8Array | null>;
	deleteByDc(dc: number): Promise<void>;
	deleteAll(): Promise<void>;
}

export function authKeysRepository(state: StorageState): AuthKeysRepository {
	return {
		set: (dc, key) =>
			state.ready(() => state.exclusive(() => setKey(state, dc, key && new Uint8Array(key)))),
		get: (dc) => state.ready(() => state.value(MTCUTE_KEYS.authKey + dc)),
		setTemp: (dc, idx, key, expires) =>
			state.ready(() =>
				state.exclusive(() => {
					const name = `${MTCUTE_KEYS.tempKey}${dc}:${idx}`;
					return state.writeExt(name, key && packTempKey(key, expires));
				}),
			),
		getTemp: (dc, idx, now) =>
			state.ready(async () => {
				const value = await state.value(`${MTCUTE_KEYS.tempKey}${dc}:${idx}`);
				const temp = value && unpackTempKey(value);
				// valid while now < expires, compared with the caller's clock only
				return temp && now < temp.expires ? temp.key : null;
			}),
		deleteByDc: (dc) => state.ready(() => state.exclusive(() => deleteKeys(state, dc))),
		deleteAll: () => state.ready(() => state.exclusive(() => deleteKeys(state, null))),
	};
}

async function setKey(state: StorageState, dc: number, key: Uint8Array | null): Promise<void> {
	const entry = dcEntryFor(dc, key, await state.kvGet("dc_main"));
	const name = MTCUTE_KEYS.authKey + dc;
	await state.backend.applyChanges({
		dcs: entry ? [entry] : [],
		...(key ? { setExtensions: [[name, key]] } : { deleteExtensions: [name] }),
	});
	state.ext.set(name, key);
}

/** Removes the permanent and temporary keys of `dc`, or of every DC. */
async function deleteKeys(state: StorageState, dc: number | null): Promise<void> {
	const prefixes =
		dc === null ? [MTCUTE_KEYS.authKey, MTCUTE_KEYS.tempKey] : [`${MTCUTE_KEYS.tempKey}${dc}:`];
	const names = new Set<string>(dc === null ? [] : [MTCUTE_KEYS.authKey + dc]);
	for (const prefix of prefixes) {
		if (!state.resident)
			for (const key of await state.backend.listExtensionKeys(prefix)) names.add(key);
		for (const [key, value] of state.ext) if (key.startsWith(prefix) && value) names.add(key);
	}
	const dcs: DcEntry[] = [];
	for (const name of names) {
		if (!name.startsWith(MTCUTE_KEYS.authKey)) continue;
		const id = Number(name.slice(MTCUTE_KEYS.authKey.length));
		const entry = dcEntryFor(id, null, await state.kvGet("dc_main"));
		if (entry) dcs.push(entry);
	}
	await state.backend.applyChanges({ dcs, deleteExtensions: [...names] });
	for (const name of names) state.ext.set(name, null);
}
