import { type DcEntry, DcFlags, type PersistedSession } from "@x/session-core";
import { toMarked } from "./marked-id.js";
import { TDATA_EXTENSION_KEYS, tdataFactsOf } from "./tdata/account-session.js";

/** Where a session is converted to, as far as what it can hold goes. */
export type ConversionTarget =
	/** x-session's own stores and native string: the whole model (no self id, no bot flag). */
	| "x-session"
	/** x-session's compact string: the home DC's main entry with its key, and the user id. */
	| "compact"
	/** A Telethon `.session` file: one DC, entities, update state and channel pts. */
	| "telethon-file"
	| "telethon"
	| "gramjs"
	/** One DC (and its media entry) with the key, and the self user id and bot flag. */
	| "mtcute"
	/** One DC's key, the user id and the bot flag. */
	| "pyrogram"
	/** One DC's key (and the test flag). */
	| "mtkruto"
	/** A Telegram Desktop folder: every DC's key (addresses are Desktop's own) and the user id. */
	| "tdata";

/** What the source knew beyond the session model (a string's self user id, bot flag). */
export interface SourceFacts {
	userId?: bigint;
	isBot?: boolean;
}

/**
 * What `target` cannot hold of `session`, computed from what the session actually has: one
 * phrase per kind of loss (e.g. `"the auth key of DC 4"`, `"5 min peers"`), empty when nothing
 * is lost. Secrets are never named, only counted or located (DC ids).
 */
export function conversionLosses(
	session: PersistedSession,
	target: ConversionTarget,
	facts: SourceFacts = {},
): string[] {
	const out: string[] = [];
	const count = (n: number, one: string, many = `${one}s`) =>
		n > 0 && out.push(`${n} ${n === 1 ? one : many}`);
	if (target !== "x-session") {
		const kept = keptEntries(session, target);
		const keys = session.dcs.filter((d) => d.authKey && !kept.has(d));
		if (keys.length > 0) {
			const ids = [...new Set(keys.map(dcLabel))];
			out.push(`the auth key${keys.length === 1 ? "" : "s"} of ${ids.join(", ")}`);
		}
		count(
			session.dcs.filter((d) => !d.authKey && !kept.has(d)).length,
			"other DC address",
			"other DC addresses",
		);
	}
	const metaPeers = session.peers.filter((p) => p.meta).length;
	// a tdata target writes the tdata: values (the user id) into the folder itself; the test flag
	// is reported on its own below
	const extensions = [...(session.extensions?.keys() ?? [])].filter(
		(k) => k !== TDATA_EXTENSION_KEYS.testMode && (target !== "tdata" || !k.startsWith("tdata:")),
	).length;
	if (target === "telethon-file") {
		const dropped = session.peers.filter(
			(p) =>
				p.kind === "community" ||
				(p.kind === "channel" && p.accessHash === 0n) ||
				toMarked(p) === undefined,
		).length;
		count(
			dropped,
			"peer Telethon cannot store (community, min channel or id out of range)",
			"peers Telethon cannot store (communities, min channels or ids out of range)",
		);
	} else if (target !== "x-session") count(session.peers.length, "peer");
	if (target !== "x-session") {
		count(session.minPeers.length, "min peer");
		if (target !== "telethon-file") {
			const s = session.updatesState;
			if (s.pts || s.qts || s.date || s.seq || s.channels.length > 0)
				out.push(
					`the update state${s.channels.length > 0 ? ` (and ${s.channels.length} channel pts)` : ""}`,
				);
		}
		if (session.futureAuthToken) out.push("the future auth token");
		if (target === "telethon-file")
			// an entity row holds one username, the phone, the name and the date
			count(
				session.peers.filter(
					(p) => p.meta && (p.meta.usernames.length > 1 || p.meta.data !== null || p.meta.isMin),
				).length,
				"peer's extra usernames or client data (Telethon keeps one username, phone and name)",
				"peers' extra usernames or client data (Telethon keeps one username, phone and name)",
			);
		else
			count(
				metaPeers,
				"peer's metadata (username, phone, name)",
				"peers' metadata (usernames, phones, names)",
			);
		count(extensions, "client extension value");
	}
	// without the flag a test account's key would be sent to the production servers
	if (!TEST_FLAG_TARGETS.has(target) && tdataFactsOf(session).testMode === true)
		out.push("the test-server flag (the account would be taken for a production one)");
	const holdsUserId =
		target === "compact" || target === "mtcute" || target === "pyrogram" || target === "tdata";
	if (facts.userId !== undefined && !holdsUserId) out.push("the account's own user id");
	const holdsBot = target === "mtcute" || target === "pyrogram";
	if (facts.isBot === true && !holdsBot) out.push("the bot flag");
	return out;
}

/** The targets that write an account's test flag (`tdata:test-mode`) into what they produce. */
const TEST_FLAG_TARGETS = new Set<ConversionTarget>(["x-session", "tdata", "mtkruto"]);

/** The DC entries a one-DC format keeps: the home DC's main entry (and mtcute's media entry). */
function keptEntries(session: PersistedSession, target: ConversionTarget): Set<DcEntry> {
	if (target === "x-session") return new Set(session.dcs);
	const main = (d: DcEntry) => (d.flags & (DcFlags.MEDIA_ONLY | DcFlags.CDN)) === 0;
	if (target === "tdata") {
		// one key per DC: the first main entry with a key, as writeTdataFolder takes it
		const kept = new Map<number, DcEntry>();
		for (const d of session.dcs) if (main(d) && d.authKey && !kept.has(d.dcId)) kept.set(d.dcId, d);
		return new Set(kept.values());
	}
	const home = session.dcs.filter((d) => d.dcId === session.homeDcId);
	const keyed = home.filter((d) => main(d) && d.authKey);
	const entry = keyed.find((d) => (d.flags & DcFlags.IPV6) === 0) ?? keyed[0];
	const kept = new Set<DcEntry>(entry ? [entry] : []);
	if (target === "mtcute") {
		const media = home.find(
			(d) => (d.flags & DcFlags.MEDIA_ONLY) !== 0 && (d.flags & DcFlags.CDN) === 0,
		);
		if (media) kept.add(media);
	}
	return kept;
}

function dcLabel(d: DcEntry): string {
	const kind =
		(d.flags & DcFlags.CDN) !== 0
			? " (CDN)"
			: (d.flags & DcFlags.MEDIA_ONLY) !== 0
				? " (media)"
				: (d.flags & DcFlags.IPV6) !== 0
					? " (IPv6)"
					: "";
	return `DC ${d.dcId}${kind}`;
}
