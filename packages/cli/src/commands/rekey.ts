import { parseCommand, positionals } from "../args.js";
import type { Context } from "../context.js";
import { cipherFromEnv, NEW_KEY_ENV, NEW_PASSPHRASE_ENV, newCipherFromEnv } from "../encryption.js";
import { EXIT, type ExitCode, usage } from "../errors.js";
import { parseLocation } from "../location.js";
import { openStore } from "../stores/open.js";

/**
 * `x-session rekey LOCATION [--decrypt]`: re-encrypts a stored session in place. The current
 * secret (when it is encrypted) comes from X_SESSION_PASSPHRASE / X_SESSION_KEY, the new one from
 * X_SESSION_NEW_PASSPHRASE / X_SESSION_NEW_KEY; `--decrypt` stores it unencrypted instead.
 */
export async function rekey(ctx: Context, args: string[]): Promise<ExitCode> {
	const parsed = parseCommand("rekey", args, { decrypt: { type: "boolean" } });
	const [where] = positionals("rekey", parsed, ["LOCATION"]);
	const location = parseLocation(where as string, ctx.io.cwd);
	const decrypt = parsed.values.decrypt === true;
	const to = await newCipherFromEnv(ctx);
	if (decrypt && to)
		throw usage(`rekey: --decrypt stores the session unencrypted; unset ${NEW_PASSPHRASE_ENV}`);
	if (!decrypt && !to)
		throw usage(
			`rekey: set ${NEW_PASSPHRASE_ENV} (or ${NEW_KEY_ENV}) to the new secret, or pass --decrypt`,
		);
	const from = await cipherFromEnv(ctx);
	const store = openStore(location, ctx);
	try {
		ctx.progress.plan(3);
		const result = await store.rekey(from, to ?? null);
		ctx.progress.done();
		if (result.printed !== undefined) {
			if (ctx.io.stdout.isTTY)
				await ctx.note(
					"x-session: the string below is a credential: anyone who has it can use the account",
				);
			await ctx.out(`${result.printed}\n`);
			return EXIT.OK;
		}
		const what = to
			? result.wasEncrypted
				? "re-encrypted with the new secret"
				: "encrypted"
			: result.wasEncrypted
				? "decrypted"
				: "left unencrypted (it was not encrypted)";
		const n = result.readBack.dcs.filter((d) => d.authKey).length;
		await ctx.out(
			`${location.display}: ${what} (${n} auth key${n === 1 ? "" : "s"}${result.readBack.futureAuthToken ? " and the future auth token" : ""}; verified)\n`,
		);
		return EXIT.OK;
	} finally {
		await store.close();
	}
}
