// What keeps the offline run offline: a transport for the client whose connect() rejects, and a
// guard under it that refuses any socket leaving this machine (Redis on localhost still works).
import net from "node:net";
import tls from "node:tls";

const LOCAL_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

function hostOf(args: unknown[]): string | undefined {
	// net.connect() and tls hand the socket its arguments already normalized, as one array
	const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
	if (typeof first === "object" && first !== null) {
		const options = first as { path?: unknown; host?: unknown };
		if (typeof options.path === "string") return options.path;
		return typeof options.host === "string" ? options.host : "localhost";
	}
	if (typeof first === "string") return first; // a unix socket path
	return typeof second === "string" ? second : "localhost";
}

/** Refuses every TCP or TLS connection not to this machine; returns the function that lifts it. */
export function guardNetwork(): () => void {
	const connect = net.Socket.prototype.connect;
	const tlsConnect = tls.connect;
	net.Socket.prototype.connect = function guarded(this: net.Socket, ...args: unknown[]) {
		const host = hostOf(args);
		if (host !== undefined && (LOCAL_HOSTS.has(host) || host.startsWith("/")))
			return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
		throw new Error(`offline: refusing a connection to ${host ?? "an unknown host"}`);
	} as typeof connect;
	(tls as { connect: unknown }).connect = () => {
		throw new Error("offline: refusing a TLS connection");
	};
	return () => {
		net.Socket.prototype.connect = connect;
		(tls as { connect: unknown }).connect = tlsConnect;
	};
}

/**
 * An mtcute transport that never connects. Its packet codec does nothing, which mtcute tolerates
 * (one that throws brings the client down); nothing is ever framed because nothing connects.
 */
export const offlineTransport = {
	connect: async (): Promise<never> => {
		throw new Error("offline: this run has no network (set BOT_TOKEN, API_ID and API_HASH)");
	},
	packetCodec: () => ({
		tag: () => new Uint8Array(0),
		encode: () => undefined,
		decode: () => null,
		reset: () => undefined,
	}),
};
