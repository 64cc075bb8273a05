// The account's MTP config (`<account folder>/configs`, encrypted with the local key): a QByteArray
// holding Desktop's serialized config, which starts with its format version and the environment
// (0 production, 1 test). Only the environment is read here; the rest (DC options, limits) is
// Desktop's own cache, rebuilt from the server.
import { Reader } from "../bytes.js";

/** Telegram's two environments, as Desktop's config names them. */
export type TdataEnvironment = "production" | "test";

/** The environment of a decrypted configs file, or `null` when it does not say (left as unknown). */
export function readEnvironment(plain: Uint8Array): TdataEnvironment | null {
	try {
		const outer = new Reader(plain, "MTP config");
		const length = outer.u32be("config length");
		const r = new Reader(outer.take(length, "config"), "MTP config");
		r.u32be("config version");
		const environment = r.u32be("environment");
		return environment === 0 ? "production" : environment === 1 ? "test" : null;
	} catch {
		return null;
	}
}
