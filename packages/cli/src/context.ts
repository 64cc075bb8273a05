import type { Readable, Writable } from "node:stream";
import { Progress } from "./progress.js";

/** The process streams and environment a command runs with. */
export interface Io {
	stdin: Readable & { isTTY?: boolean };
	stdout: Writable & { isTTY?: boolean };
	stderr: Writable & { isTTY?: boolean; columns?: number };
	env: Record<string, string | undefined>;
	cwd: string;
}

/** What every command receives: the streams, a progress bar and the secrets to keep out of output. */
export class Context {
	readonly io: Io;
	readonly progress: Progress;
	/** Values that must never appear on stderr (passwords, tokens, session strings). */
	readonly secrets: string[] = [];

	constructor(io: Io) {
		this.io = io;
		const forced = io.env.X_SESSION_PROGRESS;
		const enabled = forced === "1" ? true : forced === "0" ? false : io.stderr.isTTY === true;
		this.progress = new Progress(io.stderr, { enabled, always: forced === "1" });
	}

	/**
	 * Registers a value to be redacted from error lines, whatever its length (a Desktop passcode
	 * may be 1 character): core's redaction masks a short one only where it stands alone.
	 */
	addSecret(value: string | undefined): void {
		if (value) this.secrets.push(value);
	}

	/** Writes `text` to stdout and waits until it is handed to the OS. */
	out(text: string): Promise<void> {
		return write(this.io.stdout, text);
	}

	/** Writes a note to stderr (clearing the progress line first). */
	note(text: string): Promise<void> {
		this.progress.clear();
		return write(this.io.stderr, text.endsWith("\n") ? text : `${text}\n`);
	}
}

function write(stream: Writable, text: string): Promise<void> {
	return new Promise((resolve, reject) => {
		stream.write(text, (error) => (error ? reject(error) : resolve()));
	});
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: Readable): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream)
		chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
	return Buffer.concat(chunks).toString("utf8");
}
