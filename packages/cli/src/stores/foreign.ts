import type { PersistedSession } from "@x/session-core";
import type { Context } from "../context.js";
import { usage } from "../errors.js";
import type { ForeignFormat, Location } from "../location.js";
import type { ReadResult, Store, WriteResult } from "./store.js";

/**
 * `telethon:`, `pyrogram:`, `gramjs:` and `mtcute:` locations, read and written through
 * `@x/session-convert`. Until that package is part of the build they are rejected with one
 * clear line.
 */
export class ForeignStore implements Store {
	readonly location: Location & { scheme: ForeignFormat };

	constructor(location: Location & { scheme: ForeignFormat }, ctx: Context) {
		this.location = location;
		if (location.value && location.value !== "-") ctx.addSecret(location.value);
	}

	#unavailable(): never {
		throw usage(
			`${this.location.scheme}: locations are not available in this build (@x/session-convert is not installed)`,
		);
	}

	async read(): Promise<ReadResult> {
		this.#unavailable();
	}

	async write(_session: PersistedSession): Promise<WriteResult> {
		this.#unavailable();
	}

	async remove(): Promise<void> {
		this.#unavailable();
	}

	async close(): Promise<void> {}
}
