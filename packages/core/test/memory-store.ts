// Sessions kept as objects in a map, one per id: storage that accepts secrets of any length
// (the v8 codec only takes 256-byte keys), for testing wrappers such as withEncryptedSecrets.
import { cloneSession, type PersistedSession } from "../src/index.js";
import { BaseSessionBackend } from "../src/toolkit.js";

class MapObjectBackend extends BaseSessionBackend {
	readonly name = "map-objects";
	constructor(
		private readonly data: Map<string, PersistedSession>,
		private readonly id: string,
	) {
		super();
	}
	protected async loadSession() {
		const s = this.data.get(this.id);
		return s ? cloneSession(s) : null;
	}
	protected async saveSession(session: PersistedSession) {
		this.data.set(this.id, cloneSession(session));
	}
	protected async deleteSession() {
		this.data.delete(this.id);
	}
}

export class MemoryStore {
	readonly data = new Map<string, PersistedSession>();
	async open(id = "default"): Promise<BaseSessionBackend> {
		return new MapObjectBackend(this.data, id);
	}
}
