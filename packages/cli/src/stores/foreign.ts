import { readFile, stat } from "node:fs/promises";
import { decodeSession, isSessionError, type PersistedSession } from "@x/session-core";
import { type Context, readAll } from "../context.js";
import { isSqliteDatabase, whatFileHolds } from "../diagnose.js";
import { CliError, EXIT, notFound, usage } from "../errors.js";
import { type ForeignFormat, isFileLike, type Location } from "../location.js";
import { directoryGiven, emptyFile, ensureParentDirectory, pathKind } from "./local-path.js";
import type { ReadResult, RekeyResult, Store, WriteOptions, WriteResult } from "./store.js";
import { isTestAccount } from "./tdata-verify.js";

type Convert = typeof import("@x/session-convert");

/** Loads @x/session-convert on demand, so commands on our own formats never load it. */
async function convert(): Promise<Convert> {
	try {
		return await import("@x/session-convert");
	} catch (cause) {
		throw Object.assign(
			usage(
				"telethon:, pyrogram:, gramjs: and mtcute: locations need @x/session-convert, which could not be loaded",
			),
			{ cause },
		);
	}
}

/**
 * `telethon:`, `pyrogram:`, `gramjs:` and `mtcute:` locations, through `@x/session-convert`: a
 * string (`telethon:1Abc…`, `-` for stdin), or a `.session` file (Telethon and Pyrogram; a path
 * such as `./anon.session`). As a target, an empty value prints the string on stdout; a path
 * writes a Telethon `.session` file (0600, verified by reading it back).
 */
export class ForeignStore implements Store {
	readonly location: Location & { scheme: ForeignFormat };
	readonly #ctx: Context;
	#stdin: string | undefined;

	constructor(location: Location & { scheme: ForeignFormat }, ctx: Context) {
		this.location = location;
		this.#ctx = ctx;
		if (location.value && location.value !== "-" && !isFileLike(location.value))
			ctx.addSecret(location.value.trim());
	}

	get #isFile(): boolean {
		return this.location.value !== "-" && isFileLike(this.location.value);
	}

	async #text(): Promise<string> {
		const { value } = this.location;
		if (value !== "-") return value;
		if (this.#stdin === undefined) {
			if (this.#ctx.io.stdin.isTTY)
				await this.#ctx.note("x-session: paste the session string, then press Ctrl-D");
			this.#stdin = await readAll(this.#ctx.io.stdin);
			this.#ctx.addSecret(this.#stdin.trim());
		}
		return this.#stdin;
	}

	async read(): Promise<ReadResult> {
		const c = await convert();
		const { scheme, value } = this.location;
		if (this.#isFile) {
			const at = await pathKind(value);
			if (at.kind === "missing") throw notFound(`no such file: ${value}`);
			if (at.kind === "directory") throw directoryGiven(value, `${scheme}:${value}/anon.session`);
			if (at.size === 0) throw notFound(emptyFile(this.location.display));
			if (scheme !== "telethon" && scheme !== "pyrogram")
				throw usage(`${scheme} sessions are strings, not files`);
			let imported: Awaited<ReturnType<Convert["importTelethonFile" | "importPyrogramFile"]>>;
			try {
				imported =
					scheme === "telethon"
						? await c.importTelethonFile(value)
						: await c.importPyrogramFile(value);
			} catch (error) {
				throw await notThisFormat(error, scheme, value, this.location.display);
			}
			// a Pyrogram file knows the account: a target that cannot hold it names the loss
			const extra = imported.extra as {
				userId?: bigint | null;
				isBot?: boolean | null;
				apiId?: number | null;
				version: number;
			};
			return {
				session: imported.session,
				format: `${scheme}-file`,
				// Telethon's schema version, Pyrogram's storage version
				version: extra.version,
				size: { bytes: (await stat(value)).size, of: "file" },
				...(typeof extra.userId === "bigint" ? { userId: extra.userId } : {}),
				...(typeof extra.isBot === "boolean" ? { isBot: extra.isBot } : {}),
				...(extra.apiId ? { apiId: extra.apiId } : {}),
			};
		}
		const text = (await this.#text()).trim();
		if (text === "") throw notFound(`${this.location.display} is empty (no session stored)`);
		let decoded: ReturnType<Convert["decodeForeignSession"]>;
		try {
			decoded = c.decodeForeignSession(text, { format: scheme });
		} catch (error) {
			// `telethon:bot.bin`: a file name without ./ or .session is read as a string
			if (value !== "-" && (await pathKind(value)).kind === "file") {
				// a name a file has is a path, not a pasted string: it may be shown
				const secrets = this.#ctx.secrets;
				if (secrets.includes(value.trim())) secrets.splice(secrets.indexOf(value.trim()), 1);
				throw new CliError(
					EXIT.USAGE,
					`${this.location.display} is read as a ${scheme} string, but a file by that name exists: to read the file write ${scheme}:./${value.replace(/^\.\//, "")}`,
					{ cause: error },
				);
			}
			throw error;
		}
		const extra = decoded.extra as {
			userId?: bigint;
			isBot?: boolean;
			apiId?: number | null;
			self?: { userId?: bigint; isBot?: boolean } | null;
		};
		const userId = extra?.userId ?? extra?.self?.userId;
		const isBot = extra?.isBot ?? extra?.self?.isBot;
		return {
			session: decoded.session,
			format: `${scheme}-string`,
			version: null,
			size: { bytes: text.length, of: "string" },
			...(userId !== undefined ? { userId: BigInt(userId) } : {}),
			...(isBot !== undefined ? { isBot } : {}),
			...(extra?.apiId ? { apiId: extra.apiId } : {}),
		};
	}

	async write(session: PersistedSession, options: WriteOptions): Promise<WriteResult> {
		const { scheme, value } = this.location;
		if (options.encrypt)
			throw usage(
				`convert: --encrypt does not apply to ${scheme}: targets (${scheme} has no encryption)`,
			);
		const c = await convert();
		if (this.#isFile) {
			if (scheme !== "telethon")
				throw usage(
					`writing ${scheme} files is not supported; write a ${scheme}: string, or a telethon: file`,
				);
			const at = await pathKind(value);
			if (at.kind === "directory") throw directoryGiven(value, `telethon:${value}/anon.session`);
			if (at.kind === "file" && !options.force)
				throw new CliError(
					EXIT.FAILURE,
					`${this.location.display} already exists; pass --force to replace it`,
				);
			// missing directories are created 0700, as for every local target
			if (at.kind === "missing") await ensureParentDirectory(value);
			this.#ctx.progress.step(`writing ${this.location.display}`);
			await c.exportTelethonFile(session, value, { overwrite: options.force });
			this.#ctx.progress.step(`reading back ${this.location.display}`);
			const back = await c.importTelethonFile(value);
			return { readBack: back.session };
		}
		if (value !== "" && value !== "-")
			throw usage(
				`a ${scheme}: target takes no value: write ${scheme}: and the string is printed on stdout`,
			);
		if (scheme === "pyrogram" && options.userId === undefined)
			throw usage(
				"a Pyrogram string needs the account's --user-id (and --bot for a bot, --api-id for the app's api_id)",
			);
		const printed = c.encodeForeignSession(
			session,
			scheme === "pyrogram"
				? {
						format: "pyrogram",
						userId: options.userId as bigint,
						isBot: options.isBot === true,
						...(options.apiId !== undefined ? { apiId: options.apiId } : {}),
					}
				: scheme === "mtcute"
					? {
							format: "mtcute",
							...(options.userId !== undefined
								? { self: { userId: options.userId, isBot: options.isBot === true } }
								: {}),
						}
					: { format: scheme },
		);
		this.#ctx.addSecret(printed);
		const readBack = c.decodeForeignSession(printed, { format: scheme }).session;
		// only what the format carries survives: check that the home DC's key came back, and for
		// MTKruto, which writes the test flag, that a test account is still one
		const sent = session.dcs.filter((d) => d.dcId === session.homeDcId && d.authKey);
		const back = readBack.dcs.find((d) => d.authKey);
		if (
			!back?.authKey ||
			back.dcId !== session.homeDcId ||
			!sent.some((d) => d.authKey?.equals(back.authKey as NonNullable<typeof back.authKey>)) ||
			(scheme === "mtkruto" && isTestAccount(c, readBack) !== isTestAccount(c, session))
		)
			throw new CliError(
				EXIT.FAILURE,
				`verification failed: the ${scheme} string does not carry the home DC's auth key${scheme === "mtkruto" ? " and test flag" : ""} back`,
			);
		return { printed, readBack };
	}

	async rekey(): Promise<RekeyResult> {
		throw usage(
			`rekey: ${this.location.scheme}: sessions are never encrypted; convert to an x-session location with --encrypt`,
		);
	}

	async remove(): Promise<void> {
		throw usage(
			`${this.location.scheme}: locations cannot be deleted by x-session; delete the file or forget the string yourself`,
		);
	}

	async close(): Promise<void> {}
}

/**
 * A `.session` file that the asked format cannot read, when it is another format: said with the
 * location that reads it (a Pyrogram file given as telethon:, an x-session file, a string saved
 * as text). Otherwise the import's own error.
 */
async function notThisFormat(
	error: unknown,
	scheme: "telethon" | "pyrogram",
	path: string,
	display: string,
): Promise<unknown> {
	if (!isSessionError(error, "CORRUPT_DATA")) return error;
	const bytes = new Uint8Array(await readFile(path));
	let holds = await whatFileHolds(path, bytes);
	if (!holds && !isSqliteDatabase(bytes)) {
		try {
			decodeSession(bytes);
			holds = `it is an x-session binary file: read it as file:${path}`;
		} catch {
			// not ours either: the import's reason stands
		}
	}
	// the asked format itself, damaged: its own reason says more
	const own = scheme === "telethon" ? "a Telethon session file" : "a Pyrogram session file";
	if (!holds || holds.startsWith(`it is ${own}`)) return error;
	return new CliError(EXIT.FAILURE, `${display} is not ${own}: ${holds}`, { cause: error });
}
