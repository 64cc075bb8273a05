// For the client-adapter tests (GramJS, mtcute): refuses every socket not to this machine, so a
// lookup miss or a connect that would dial Telegram fails instead. Returns the function that lifts it.
import net from "node:net";
import tls from "node:tls";

const LOCAL = new Set(["127.0.0.1", "localhost", "::1"]);

export function blockNetwork(): () => void {
	const realConnect = net.Socket.prototype.connect;
	const realTlsConnect = tls.connect;
	net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
		// net.connect() hands the socket its arguments normalized, as one array
		const [first, second] = (Array.isArray(args[0]) ? args[0] : args) as [unknown, unknown];
		const host =
			typeof first === "object" && first !== null
				? ((first as { path?: string }).path ?? (first as { host?: string }).host)
				: typeof second === "string"
					? second
					: "localhost";
		if (host === undefined || LOCAL.has(host) || host.startsWith("/"))
			return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
		throw new Error(`network blocked in tests (${host})`);
	} as never;
	(tls as { connect: unknown }).connect = () => {
		throw new Error("network blocked in tests");
	};
	return () => {
		net.Socket.prototype.connect = realConnect;
		(tls as { connect: unknown }).connect = realTlsConnect;
	};
}
