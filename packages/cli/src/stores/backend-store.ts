import {
	encodedSize,
	isSessionError,
	type PersistedSession,
	type SessionBackend,
} from "@x/session-core";
import type { Context } from "../context.js";
import { CliError, EXIT, notFound, usage } from "../errors.js";
import type { Location } from "../location.js";
import type { ReadResult, Store, WriteOptions, WriteResult } from "./store.js";
import { checkReadBack } from "./verify.js";

/** How a backend-backed location is opened. */
export interface BackendOpener {
	/** Opens the backend; `"read"` skips the single-writer lock where the backend allows it. */
	open(mode: "read" | "write", options?: WriteOptions): Promise<SessionBackend>;
	/** Rejects with NOT_FOUND when the storage itself (file, database) does not exist. */
	ensureExists?(): Promise<void>;
	/** True when `open("write", { encrypt: true })` writes encrypted data. */
	encrypts?: boolean;
	/** Reads the session without the backend (e.g. raw file bytes), with format details. */
	readDirect?(options: { strict?: boolean }): Promise<ReadResult>;
	/** Format and version reported for sessions loaded through the backend. */
	format: { name: string; version: number | null };
	list?(): Promise<string[]>;
	dispose?(): Promise<void>;
}

/** A {@link Store} on a {@link SessionBackend}: locks on write, verifies by reading back. */
export class BackendStore implements Store {
	readonly location: Location;
	readonly list?: () => Promise<string[]>;
	readonly #ctx: Context;
	readonly #opener: BackendOpener;
	#closed = false;

	constructor(location: Location, ctx: Context, opener: BackendOpener) {
		this.location = location;
		this.#ctx = ctx;
		this.#opener = opener;
		if (opener.list) {
			const list = opener.list.bind(opener);
			this.list = async () => {
				await opener.ensureExists?.();
				return list();
			};
		}
	}

	async read(options: { strict?: boolean } = {}): Promise<ReadResult> {
		await this.#opener.ensureExists?.();
		if (this.#opener.readDirect) return this.#opener.readDirect(options);
		const backend = await this.#opener.open("read");
		let session: PersistedSession | null;
		try {
			session = await backend.load();
		} finally {
			await backend.close();
		}
		if (!session) throw notFound(`no session at ${this.location.display}`);
		return {
			session,
			format: this.#opener.format.name,
			version: this.#opener.format.version,
			size: { bytes: encodedSize(session), of: "encoding" },
		};
	}

	async write(session: PersistedSession, options: WriteOptions): Promise<WriteResult> {
		const progress = this.#ctx.progress;
		if (options.encrypt && !this.#opener.encrypts)
			throw usage(
				`convert: --encrypt applies to file: and string: targets (use withEncryptedSecrets for ${this.location.scheme})`,
			);
		const backend = await this.#opener.open("write", options);
		try {
			progress.step(`checking ${this.location.display}`);
			const state = await existing(backend);
			if (state !== "empty" && !options.force) {
				const what = state === "corrupt" ? "data that does not decode" : "a session";
				throw new CliError(
					EXIT.FAILURE,
					`${this.location.display} already holds ${what}; pass --force to replace it`,
				);
			}
			progress.step(`writing ${session.peers.length} peers to ${this.location.display}`);
			await backend.save(session);
		} finally {
			await backend.close();
		}
		progress.step(`reading back ${this.location.display}`);
		const back = await this.read();
		checkReadBack(session, back.session, this.location.display);
		return { readBack: back.session };
	}

	async remove(): Promise<void> {
		await this.#opener.ensureExists?.();
		const backend = await this.#opener.open("write");
		try {
			if ((await existing(backend)) === "empty")
				throw notFound(`no session at ${this.location.display}`);
			await backend.delete();
		} finally {
			await backend.close();
		}
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		await this.#opener.dispose?.();
	}
}

async function existing(backend: SessionBackend): Promise<"empty" | "session" | "corrupt"> {
	try {
		return (await backend.load()) ? "session" : "empty";
	} catch (error) {
		if (isSessionError(error, "CORRUPT_DATA") || isSessionError(error, "UNSUPPORTED_VERSION"))
			return "corrupt";
		throw error;
	}
}
