import {
	AUTH_KEY_LENGTH,
	decodeSession,
	encodeSession,
	type PersistedSession,
	parseDcAddress,
	sessionsEqual,
} from "@x/session-core";
import { parseCommand, positionals } from "../args.js";
import { authKeyId } from "../auth-key-id.js";
import type { Context } from "../context.js";
import { CliError, EXIT, type ExitCode } from "../errors.js";
import { parseLocation } from "../location.js";
import { counted, sessionCounts } from "../report.js";
import { openStore } from "../stores/open.js";

/** `x-session verify LOCATION [--strict]`: decode everything, encode again, compare. */
export async function verify(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("verify", args, { strict: { type: "boolean" } });
	const [where] = positionals("verify", parsed, ["LOCATION"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	const store = openStore(location, ctx);
	try {
		ctx.progress.plan(2);
		ctx.progress.step(`reading ${location.display}`);
		let read: Awaited<ReturnType<typeof store.read>>;
		try {
			read = await store.read({ strict: parsed.values.strict === true });
		} catch (error) {
			const code = (error as { exitCode?: number }).exitCode;
			if (code === EXIT.NOT_FOUND || code === EXIT.USAGE) throw error;
			if (
				error instanceof CliError ||
				(error as { code?: string }).code === "CORRUPT_DATA" ||
				(error as { code?: string }).code === "UNSUPPORTED_VERSION"
			) {
				throw new CliError(
					EXIT.FAILURE,
					`verify failed: ${(error as Error).message.replace(/^\[x-session\] /, "")}`,
					{ cause: error },
				);
			}
			throw error;
		}
		ctx.progress.sessionSize(read.session.peers.length);
		ctx.progress.step("encoding again");
		const problem = checkSession(read.session);
		ctx.progress.done();
		if (problem) throw new CliError(EXIT.FAILURE, `verify failed: ${location.display}: ${problem}`);
		const s = read.session;
		await ctx.out(
			`ok: ${location.display} decodes (${read.format}${read.version === null ? "" : ` v${read.version}`}; ${sessionCounts(s)}, ${counted(s.updatesState.channels.length, "channel pts entry", "channel pts entries")}${homeKeyId(s)})\n`,
		);
		return EXIT.OK;
	} finally {
		await store.close();
	}
}

/** What makes a decoded session unusable or not storable, or `undefined`. */
export function checkSession(session: PersistedSession): string | undefined {
	for (const dc of session.dcs) {
		if (dc.authKey && dc.authKey.length !== AUTH_KEY_LENGTH)
			return `DC ${dc.dcId} has an auth key of ${dc.authKey.length} bytes`;
		if (!parseDcAddress(dc.addr)) return `DC ${dc.dcId} has an address that is not ip:port`;
	}
	let bytes: Uint8Array;
	try {
		bytes = encodeSession(session);
	} catch (error) {
		return `it does not encode again: ${(error as Error).message.replace(/^\[x-session\] /, "")}`;
	}
	if (!sessionsEqual(decodeSession(bytes), session, { ordered: true }))
		return "it does not survive an encode/decode round trip";
	return undefined;
}

/** `; home DC auth key id 0123…`: lets two copies of a session be compared without the key. */
function homeKeyId(session: PersistedSession): string {
	const key = session.dcs.find((d) => d.dcId === session.homeDcId && d.authKey)?.authKey;
	return key ? `; home DC auth key id ${authKeyId(key)}` : "";
}
