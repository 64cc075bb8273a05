import { isSessionError, type PersistedSession } from "@x/session-core";
import type { Context } from "../context.js";
import { CliError, EXIT, notFound, usage } from "../errors.js";
import type { Location } from "../location.js";
import { pathKind } from "./local-path.js";
import type { ReadResult, RekeyResult, Store, WriteOptions, WriteResult } from "./store.js";
import { askPasscode } from "./tdata-passcode.js";
import { tdataReadBackMatches } from "./tdata-verify.js";

/** The environment variable holding a tdata folder's local passcode (never an argument). */
export const TDATA_PASSCODE_ENV = "X_SESSION_TDATA_PASSCODE";

type Convert = typeof import("@x/session-convert");

/**
 * `tdata:DIR[#ACCOUNT]`: a Telegram Desktop folder, through `@x/session-convert`. Read: the
 * account's keys (passcode from X_SESSION_TDATA_PASSCODE, or asked on a terminal). Write: a new
 * folder holding one account (0700/0600; an existing one only with --force), read back.
 */
export class TdataStore implements Store {
	readonly location: Location & { scheme: "tdata" };
	readonly #ctx: Context;
	#passcode: string | undefined;

	constructor(location: Location & { scheme: "tdata" }, ctx: Context) {
		this.location = location;
		this.#ctx = ctx;
		// an empty variable is unset: Desktop has no empty passcode
		this.#passcode = ctx.io.env[TDATA_PASSCODE_ENV] || undefined;
		ctx.addSecret(this.#passcode);
	}

	async #convert(): Promise<Convert> {
		try {
			return await import("@x/session-convert");
		} catch (cause) {
			throw Object.assign(
				usage("tdata: locations need @x/session-convert, which could not be loaded"),
				{
					cause,
				},
			);
		}
	}

	/** Runs `op` with the passcode known so far; asks on a terminal when the folder needs one. */
	async #withPasscode<T>(op: (passcode: { passcode?: string }) => Promise<T>): Promise<T> {
		const known = () => (this.#passcode !== undefined ? { passcode: this.#passcode } : {});
		try {
			return await op(known());
		} catch (error) {
			const missing =
				isSessionError(error) && (error as { reason?: string }).reason === "missing-key";
			if (!missing || this.#passcode !== undefined) throw error;
			const asked = await askPasscode(this.#ctx, `passcode of ${this.location.display}: `);
			if (asked === undefined)
				throw new CliError(
					EXIT.FAILURE,
					`${this.location.display} is protected by a local passcode: set ${TDATA_PASSCODE_ENV} (or run in a terminal to be asked)`,
				);
			this.#passcode = asked;
			this.#ctx.addSecret(asked);
			return await op(known());
		}
	}

	/** A missing folder is "no such folder"; one that cannot be reached (EACCES) says so. */
	async #exists(): Promise<void> {
		if ((await pathKind(this.location.path)).kind === "missing")
			throw notFound(`no such folder: ${this.location.path}`);
	}

	async read(): Promise<ReadResult> {
		await this.#exists();
		const c = await this.#convert();
		const { path, account } = this.location;
		const { session, extra } = await this.#withPasscode((p) =>
			c.readTdataFolder(path, { account, ...p }),
		);
		return {
			session,
			format: "tdata",
			version: extra.version,
			size: { bytes: extra.bytes, of: "file" },
			// 0 is Desktop's "not known yet"; Desktop logs in users only, never bots
			...(extra.userId !== 0n ? { userId: extra.userId, isBot: false } : {}),
		};
	}

	async write(session: PersistedSession, options: WriteOptions): Promise<WriteResult> {
		const { display, path, explicitAccount, account } = this.location;
		if (options.encrypt)
			throw usage(
				`convert: --encrypt does not apply to tdata: targets; set ${TDATA_PASSCODE_ENV} to give the new folder a local passcode`,
			);
		if (explicitAccount && account !== 0)
			throw usage(
				"a tdata: target is written as a folder holding one account (#1); leave out #ACCOUNT",
			);
		if ((await pathKind(path)).kind !== "missing" && !options.force)
			throw new CliError(
				EXIT.FAILURE,
				`${display} already exists; choose a new folder, or pass --force to write into it (its accounts are replaced)`,
			);
		const c = await this.#convert();
		const passcode = this.#passcode !== undefined ? { passcode: this.#passcode } : {};
		this.#ctx.progress.step(`writing ${display}`);
		await c.writeTdataFolder(
			path,
			[{ session, ...(options.userId !== undefined ? { userId: options.userId } : {}) }],
			{ overwrite: options.force, ...passcode },
		);
		this.#ctx.progress.step(`reading back ${display}`);
		const back = await c.readTdataFolder(path, passcode);
		if (!tdataReadBackMatches(c, session, back, options.userId))
			throw new CliError(
				EXIT.FAILURE,
				`verification failed: ${display} does not give back the keys and account written`,
			);
		return { readBack: back.session };
	}

	/** The folder's accounts as `#1`, `#2`, … (the #ACCOUNT of a tdata: location). */
	async list(): Promise<string[]> {
		await this.#exists();
		const c = await this.#convert();
		const { accounts } = await this.#withPasscode((p) =>
			c.listTdataAccounts(this.location.path, p),
		);
		return accounts.map((index) => `#${index + 1}`);
	}

	async rekey(): Promise<RekeyResult> {
		throw usage(
			"rekey: tdata: folders are encrypted by Telegram Desktop's local passcode; change it in Desktop",
		);
	}

	async remove(): Promise<void> {
		throw usage("tdata: folders cannot be deleted by x-session; delete the folder yourself");
	}

	async close(): Promise<void> {}
}
