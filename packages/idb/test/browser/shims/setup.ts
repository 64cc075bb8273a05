// Globals the conformance suite reads in Node: a Buffer with the hex and base64 renderings it
// uses, and process.env. Only for the browser run (vitest.browser.config.ts setupFiles).
class BrowserBuffer extends Uint8Array {
	static override from(bytes: Uint8Array): BrowserBuffer {
		return new BrowserBuffer(bytes);
	}
	override toString(encoding?: string): string {
		if (encoding === "hex")
			return Array.from(this, (b) => b.toString(16).padStart(2, "0")).join("");
		if (encoding === "base64") return btoa(String.fromCharCode(...this));
		return new TextDecoder().decode(this);
	}
	override subarray(start?: number, end?: number): BrowserBuffer {
		return new BrowserBuffer(Uint8Array.prototype.slice.call(this, start, end));
	}
}

const g = globalThis as Record<string, unknown>;
g.Buffer ??= BrowserBuffer;
g.process ??= { env: {} };
