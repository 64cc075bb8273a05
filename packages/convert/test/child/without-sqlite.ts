// Child process: better-sqlite3 is made unresolvable before the package loads. The string functions
// must work (the driver is never loaded) and the file functions must fail with a typed error.
import { register } from "node:module";

const hook = `export async function resolve(specifier, context, next) {
	if (specifier === "better-sqlite3") throw Object.assign(new Error("blocked"), { code: "ERR_MODULE_NOT_FOUND" });
	return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const { decodeForeignSession, encodeTelethonString, importTelethonFile } = await import(
	"../../src/index.js"
);
const { SecretBytes } = await import("@x/session-core");
const key = new Uint8Array(256).fill(5);
const text = encodeTelethonString({
	homeDcId: 2,
	dcs: [
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: new SecretBytes(key),
			firstSalt: 0n,
			timeOffset: 0,
			flags: 0,
		},
	],
	updatesState: { pts: 0, qts: 0, date: 0, seq: 0, channels: [] },
	peers: [],
	minPeers: [],
	futureAuthToken: null,
});
const decoded = decodeForeignSession(text);
let fileError: { code?: string; backend?: string; message?: string } = {};
try {
	await importTelethonFile("/nonexistent.session");
} catch (error) {
	fileError = error as typeof fileError;
}
process.stdout.write(
	JSON.stringify({
		format: decoded.format,
		code: fileError.code,
		backend: fileError.backend,
		message: fileError.message,
	}),
);
