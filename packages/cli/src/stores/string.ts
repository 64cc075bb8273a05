import {
	compactFromSession,
	decodeCompactString,
	decodeSessionString,
	encodeCompactString,
	encodeNativeString,
	isSessionError,
	type PersistedSession,
	type SessionCipher,
} from "@x/session-core";
import { StringSessionBackend } from "@x/session-string";
import { type Context, readAll } from "../context.js";
import { requireCipher } from "../encryption.js";
import { CliError, EXIT, notFound, usage } from "../errors.js";
import type { Location } from "../location.js";
import type {
	ReadOptions,
	ReadResult,
	RekeyResult,
	Store,
	WriteOptions,
	WriteResult,
} from "./store.js";
import { checkReadBack } from "./verify.js";

const ENCRYPTED_PREFIX = "xse1_";

/** Encodes `session` as a native string, or a compact one (which needs the user id). */
export function sessionString(
	session: PersistedSession,
	format: "native" | "compact",
	userId: bigint | undefined,
): string {
	if (format === "native") return encodeNativeString(session);
	if (userId === undefined) throw usage("a compact string needs the account's --user-id");
	const compact = compactFromSession(session, userId);
	if (!compact) {
		throw new CliError(
			EXIT.FAILURE,
			"this session cannot be a compact string: its home DC has no entry with an auth key and an IP address (use the native format)",
		);
	}
	return encodeCompactString(compact);
}

/** Decodes a native or compact string into a {@link ReadResult}. */
export function readSessionString(
	text: string,
	where: string,
	options: { strict?: boolean } = {},
): ReadResult {
	const decoded = decodeSessionString(text, { strict: options.strict === true });
	if (decoded.format === "empty") throw notFound(`${where} is empty (no session stored)`);
	const size = { bytes: text.trim().length, of: "string" as const };
	if (decoded.format === "compact") {
		return {
			session: decoded.session,
			format: "compact-string",
			version: decoded.compact.version,
			size,
			userId: decoded.compact.userId,
		};
	}
	return { session: decoded.session, format: "native-string", version: decoded.version, size };
}

/**
 * `string:VALUE`, `string:-` (stdin) and `env:VAR`. As a source the string is decoded (native
 * or compact, detected). As a target nothing is stored anywhere: the string is returned to be
 * printed on stdout, which is the only way to get it.
 */
export class StringStore implements Store {
	readonly location: Location & { scheme: "string" | "env" };
	readonly #ctx: Context;
	#stdin: string | undefined;

	constructor(location: Location & { scheme: "string" | "env" }, ctx: Context) {
		this.location = location;
		this.#ctx = ctx;
		if (location.scheme === "string" && location.value !== "-")
			ctx.addSecret(location.value.trim());
		if (location.scheme === "env") ctx.addSecret(ctx.io.env[location.name]?.trim());
	}

	async #text(): Promise<string> {
		const loc = this.location;
		if (loc.scheme === "env") {
			const value = this.#ctx.io.env[loc.name];
			if (value === undefined) throw notFound(`environment variable ${loc.name} is not set`);
			return value;
		}
		if (loc.value !== "-") return loc.value;
		if (this.#stdin === undefined) {
			if (this.#ctx.io.stdin.isTTY)
				await this.#ctx.note("x-session: paste the session string, then press Ctrl-D");
			this.#stdin = await readAll(this.#ctx.io.stdin);
			this.#ctx.addSecret(this.#stdin.trim());
		}
		return this.#stdin;
	}

	async read(options: ReadOptions = {}): Promise<ReadResult> {
		const text = await this.#text();
		if (!text.trim().startsWith(ENCRYPTED_PREFIX)) {
			try {
				return readSessionString(text, this.location.display, options);
			} catch (error) {
				throw await foreignStringHint(error, text, this.location.display);
			}
		}
		const session = await new StringSessionBackend(text, {
			encryption: options.cipher ?? (await requireCipher(this.#ctx, this.location.display)),
		}).load();
		if (!session) throw notFound(`${this.location.display} is empty (no session stored)`);
		return {
			session,
			format: "native-string (encrypted)",
			version: null,
			size: { bytes: text.trim().length, of: "string" },
		};
	}

	async write(session: PersistedSession, options: WriteOptions): Promise<WriteResult> {
		const loc = this.location;
		if (loc.scheme === "string" && loc.value !== "" && loc.value !== "-") {
			throw usage(
				"a string: target takes no value: write string: (or string:-) and the string is printed on stdout",
			);
		}
		return this.#produce(session, options);
	}

	/** The string for `session`, decoded again and compared with it. */
	async #produce(session: PersistedSession, options: WriteOptions): Promise<WriteResult> {
		const loc = this.location;
		const format = options.stringFormat ?? "native";
		if (options.encrypt) {
			if (format !== "native")
				throw usage("convert: --encrypt writes a native string; leave out --format compact");
			const cipher = options.cipher ?? (await requireCipher(this.#ctx, "the target"));
			const holder = new StringSessionBackend("", { encryption: cipher });
			await holder.save(session);
			const printed = holder.current();
			this.#ctx.addSecret(printed);
			this.#ctx.progress.step("reading back the string");
			const back = await new StringSessionBackend(printed, { encryption: cipher }).load();
			if (!back)
				throw new CliError(EXIT.FAILURE, "verification failed: the encrypted string is empty");
			checkReadBack(session, back, loc.display);
			return { printed, readBack: back };
		}
		const printed = sessionString(session, format, options.userId);
		this.#ctx.progress.step("reading back the string");
		let readBack: PersistedSession;
		if (format === "compact") {
			const compact = decodeCompactString(printed);
			const expected = sessionString(session, "compact", options.userId);
			if (expected !== encodeCompactString(compact)) {
				throw new CliError(
					EXIT.FAILURE,
					"verification failed: the compact string does not decode to the same DC, key and user id",
				);
			}
			readBack = readSessionString(printed, loc.display).session;
		} else {
			readBack = readSessionString(printed, loc.display).session;
			checkReadBack(session, readBack, loc.display);
		}
		return { printed, readBack };
	}

	/** Strings are re-encrypted into a new string, printed on stdout; nothing is stored. */
	async rekey(from: SessionCipher | undefined, to: SessionCipher | null): Promise<RekeyResult> {
		const read = await this.read(from ? { cipher: from } : {});
		const result = await this.#produce(read.session, {
			force: true,
			...(to ? { encrypt: true, cipher: to } : {}),
		});
		return {
			wasEncrypted: read.format.endsWith("(encrypted)"),
			readBack: result.readBack,
			...(result.printed !== undefined ? { printed: result.printed } : {}),
		};
	}

	async remove(): Promise<void> {
		throw usage(
			`${this.location.scheme}: locations cannot be deleted (nothing is stored; unset or forget the string yourself)`,
		);
	}

	async close(): Promise<void> {}
}

/** The location prefix that reads each foreign string format. */
const FOREIGN_PREFIX: Record<string, string> = {
	telethon: "telethon",
	gramjs: "gramjs",
	pyrogram: "pyrogram",
	mtcute: "mtcute",
	mtkruto: "mtkruto",
};

/**
 * A string that is not ours but another client's (the likeliest reason it does not decode):
 * named by its format with the prefix that reads it. The string itself is never repeated.
 */
async function foreignStringHint(error: unknown, text: string, where: string): Promise<unknown> {
	if (!isSessionError(error, "CORRUPT_DATA") && !isSessionError(error, "UNSUPPORTED_VERSION"))
		return error;
	let format: string | null = null;
	try {
		const { detectSessionFormat } = await import("@x/session-convert");
		format = detectSessionFormat(text.trim()).format;
	} catch {
		return error;
	}
	const prefix = format ? FOREIGN_PREFIX[format] : undefined;
	if (!prefix) return error;
	return new CliError(
		EXIT.FAILURE,
		`${where} is not an x-session string: it is a ${format} session string; read it as ${prefix}:- (from stdin, so it stays out of shell history)`,
		{ cause: error },
	);
}
