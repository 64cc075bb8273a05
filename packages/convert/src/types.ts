import type { CompactSession, PersistedSession } from "@x/session-core";

/** Other clients' string formats this package reads and writes. */
export type ForeignFormat = "telethon" | "gramjs" | "pyrogram" | "mtcute" | "mtkruto";

/** Every string format {@link decodeForeignSession} knows: the foreign ones and ours (native, compact). */
export type StringFormat = ForeignFormat | "native" | "compact";

/** How a Telethon-style string laid out its address. */
export type TelethonLayout = "ipv4" | "ipv6";

/** What a Telethon StringSession carries besides the session: only which address layout it used. */
export interface TelethonStringExtra {
	layout: TelethonLayout;
}

/**
 * What a GramJS/teleproto StringSession carries besides the session. GramJS reads Telethon's two
 * layouts too, so a string read as GramJS can have any of the three.
 */
export interface GramjsStringExtra {
	layout: "gramjs" | "telethon-ipv4" | "telethon-ipv6";
}

/** The three Pyrogram string layouts (told apart by length, as Pyrogram does). */
export type PyrogramLayout = "current" | "old-32" | "old-64";

/** Pyrogram fields our model has no place for. */
export interface PyrogramExtra {
	layout: PyrogramLayout;
	/** `null` for the old layouts, which have no api_id. */
	apiId: number | null;
	/** Pyrogram's own user id (0 or `null` means "not logged in" to Pyrogram). */
	userId: bigint | null;
	isBot: boolean | null;
	testMode: boolean;
}

/** The logged-in user as mtcute's string session stores it. */
export interface MtcuteSelf {
	userId: bigint;
	isBot: boolean;
}

/** mtcute fields our model has no place for. */
export interface MtcuteExtra {
	testMode: boolean;
	self: MtcuteSelf | null;
	/**
	 * Whether the string's media DC option carried mtcute's media-only bit (`null`: no media DC).
	 * Our model marks that entry MEDIA_ONLY either way; pass this back to
	 * `encodeMtcuteString` to write the same bit again.
	 */
	mediaOnlyFlag: boolean | null;
}

/** What an MTKruto string carries besides the session: the environment ("2-test"). */
export interface MtkrutoExtra {
	testMode: boolean;
}

/** What {@link decodeForeignSession} returns: the format, our session, and the fields our model lacks. */
export type DecodedForeignSession =
	| { format: "telethon"; session: PersistedSession; extra: TelethonStringExtra }
	| { format: "gramjs"; session: PersistedSession; extra: GramjsStringExtra }
	| { format: "pyrogram"; session: PersistedSession; extra: PyrogramExtra }
	| { format: "mtcute"; session: PersistedSession; extra: MtcuteExtra }
	| { format: "mtkruto"; session: PersistedSession; extra: MtkrutoExtra }
	| { format: "native"; session: PersistedSession; extra: { version: number } }
	| { format: "compact"; session: PersistedSession; extra: { compact: CompactSession } };

/** A decoder's result for one format. */
export interface Decoded<E> {
	session: PersistedSession;
	extra: E;
}
