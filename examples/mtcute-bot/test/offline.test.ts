// The offline run's network guard: every way of opening a socket elsewhere is refused, this machine
// stays reachable (Redis on localhost).
import net from "node:net";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { guardNetwork, offlineTransport } from "../src/offline.js";

let unguard: (() => void) | undefined;
afterEach(() => {
	unguard?.();
	unguard = undefined;
});

describe("guardNetwork", () => {
	it("refuses net.connect, Socket#connect and tls.connect to a remote host", () => {
		unguard = guardNetwork();
		const remote = "149.154.167.50";
		expect(() => net.connect(443, remote)).toThrow(/refusing a connection to 149\.154\.167\.50/);
		expect(() => net.createConnection({ port: 443, host: remote })).toThrow(/refusing/);
		expect(() => new net.Socket().connect(443, remote)).toThrow(/refusing/);
		expect(() => tls.connect({ port: 443, host: remote })).toThrow(/refusing a TLS connection/);
	});

	it("lets connections to this machine through, and is lifted again", async () => {
		const server = net.createServer((socket) => socket.end("hi"));
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const { port } = server.address() as net.AddressInfo;
		const { connect } = net.Socket.prototype;
		const tlsConnect = tls.connect;
		try {
			unguard = guardNetwork();
			const reply = await new Promise<string>((resolve, reject) => {
				const socket = net.connect(port, "127.0.0.1");
				let data = "";
				socket.on("data", (d) => {
					data += d;
				});
				socket.on("end", () => resolve(data));
				socket.on("error", reject);
			});
			expect(reply).toBe("hi");
			unguard();
			unguard = undefined;
			expect(net.Socket.prototype.connect).toBe(connect);
			expect(tls.connect).toBe(tlsConnect);
		} finally {
			server.close();
		}
	});

	it("the client's transport rejects every connect", async () => {
		await expect(offlineTransport.connect()).rejects.toThrow(/no network/);
	});
});
