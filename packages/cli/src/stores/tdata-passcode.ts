import type { Context } from "../context.js";

/**
 * Asks for a passcode on the terminal without echoing it; `undefined` when stdin or stderr is
 * not a terminal (scripts set the environment variable instead).
 */
export async function askPasscode(ctx: Context, prompt: string): Promise<string | undefined> {
	const stdin = ctx.io.stdin as NodeJS.ReadStream;
	if (!stdin.isTTY || !ctx.io.stderr.isTTY || typeof stdin.setRawMode !== "function")
		return undefined;
	// raw mode (no echo) before the prompt shows, so nothing typed after it is echoed
	stdin.setRawMode(true);
	try {
		stdin.resume();
		await ctx.note(prompt.trimEnd());
		return await new Promise<string>((resolve, reject) => {
			let typed = "";
			const onData = (chunk: Buffer) => {
				for (const ch of chunk.toString("utf8")) {
					if (ch === "\r" || ch === "\n") {
						stdin.off("data", onData);
						resolve(typed);
						return;
					}
					if (ch === "\u0003" || ch === "\u0004") {
						stdin.off("data", onData);
						reject(new Error("interrupted"));
						return;
					}
					if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
					else typed += ch;
				}
			};
			stdin.on("data", onData);
		});
	} finally {
		stdin.setRawMode(false);
		stdin.pause();
		await ctx.note(""); // Enter is not echoed in raw mode: end the prompt's line
	}
}
