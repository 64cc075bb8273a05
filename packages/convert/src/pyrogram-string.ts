import type { PersistedSession } from "@x/session-core";
import { base64Decode, base64Encode } from "@x/session-core/backend";
import { Reader, Writer } from "./bytes.js";
import { corrupt, invalid } from "./errors.js";
import { AUTH_KEY_LENGTH, type HomeDcOptions, oneDcSession, pickHomeDc } from "./home-dc.js";
import { pyrogramDcAddress } from "./pyrogram-dcs.js";
import type { Decoded, PyrogramExtra, PyrogramLayout } from "./types.js";

/** Unpadded length of Pyrogram's old layout with a 32-bit user id (`>B?256sI?`, 263 bytes). */
export const PYROGRAM_OLD32_LENGTH = 351;
/** Unpadded length of Pyrogram's old layout with a 64-bit user id (`>B?256sQ?`, 267 bytes). */
export const PYROGRAM_OLD64_LENGTH = 356;
/** Unpadded length of Pyrogram's current layout (`>BI?256sQ?`, 271 bytes). */
export const PYROGRAM_CURRENT_LENGTH = 362;

const LAYOUT_BYTES: Record<PyrogramLayout, number> = { current: 271, "old-32": 263, "old-64": 267 };

/**
 * Decodes a Pyrogram session string (URL-safe base64, no padding, big-endian). The layout is told
 * by length as Pyrogram does: 351 characters → old 32-bit user id, 356 → old 64-bit, else current
 * (dc_id, api_id u32, test_mode, key, user_id u64, is_bot). The address comes from Pyrogram's DC
 * table. api_id, user_id, is_bot and test mode are returned in `extra`.
 */
export function decodePyrogramString(text: string): Decoded<PyrogramExtra> {
	const what = "Pyrogram session string";
	if (typeof text !== "string") throw invalid("session string must be a string");
	const body = text.trim().replace(/=+$/, "");
	const layout: PyrogramLayout =
		body.length === PYROGRAM_OLD32_LENGTH
			? "old-32"
			: body.length === PYROGRAM_OLD64_LENGTH
				? "old-64"
				: "current";
	const bytes = base64Decode(body, { lenient: true, backend: "convert", what });
	if (bytes.length !== LAYOUT_BYTES[layout]) {
		throw corrupt(
			`${what}: the ${layout} layout is ${LAYOUT_BYTES[layout]} bytes, got ${bytes.length}`,
		);
	}
	const r = new Reader(bytes, what);
	const dcId = r.u8("dc_id");
	const apiId = layout === "current" ? r.u32be("api_id") : null;
	const testMode = r.bool8("test_mode");
	const key = r.take(AUTH_KEY_LENGTH, "auth_key");
	const userId = layout === "old-32" ? BigInt(r.u32be("user_id")) : r.u64be("user_id");
	const isBot = r.bool8("is_bot");
	r.end();
	const { ip, port } = pyrogramDcAddress(dcId, testMode);
	return {
		session: oneDcSession(dcId, ip, port, key),
		extra: { layout, apiId, userId, isBot, testMode },
	};
}

/** What a Pyrogram string needs that our model does not hold. */
export interface PyrogramEncodeOptions extends HomeDcOptions {
	/** The account's user id (required: Pyrogram treats a missing one as "not logged in"). */
	userId: bigint;
	/** Default false. */
	isBot?: boolean;
	/** Current layout only; default 0, which makes Pyrogram take the Client's api_id. */
	apiId?: number;
	/** Default false. */
	testMode?: boolean;
	/** Default "current". */
	layout?: PyrogramLayout;
}

/**
 * Encodes the home DC's key as a Pyrogram session string. Carries the DC id and key plus the
 * options; the address, port, other DCs, update state and peers are lost (Pyrogram keeps none).
 */
export function encodePyrogramString(
	session: PersistedSession,
	options: PyrogramEncodeOptions,
): string {
	const dc = pickHomeDc(session, options, "a Pyrogram string");
	const layout = options.layout ?? "current";
	if (dc.entry.dcId < 0 || dc.entry.dcId > 255)
		throw invalid(`Pyrogram stores the DC id in one byte (got ${dc.entry.dcId})`);
	const userId = options.userId;
	if (typeof userId !== "bigint" || userId <= 0n)
		throw invalid("a Pyrogram string needs the account's user id (a positive bigint)");
	if (userId >= (layout === "old-32" ? 1n << 32n : 1n << 64n))
		throw invalid(`user id does not fit the ${layout} layout`);
	const apiId = options.apiId ?? 0;
	if (!Number.isInteger(apiId) || apiId < 0 || apiId > 0xffffffff)
		throw invalid("api_id must be a u32");
	if (layout !== "current" && options.apiId !== undefined)
		throw invalid(`the ${layout} layout has no api_id`);
	const w = new Writer().u8(dc.entry.dcId);
	if (layout === "current") w.u32be(apiId);
	w.u8(options.testMode ? 1 : 0);
	dc.authKey.read((key) => w.raw(key));
	if (layout === "old-32") w.u32be(Number(userId));
	else w.u64be(userId);
	w.u8(options.isBot ? 1 : 0);
	return base64Encode(w.bytes, { alphabet: "url", pad: false });
}
