import { DcFlags } from "@x/session-core";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { StringSession } from "telegram/sessions/index.js";
import { describe, expect, it } from "vitest";
import {
	decodeForeignSession,
	decodeGramjsString,
	encodeGramjsString,
	encodeTelethonString,
} from "../src/index.js";
import { hex, makeKey, oneDc } from "./helpers.js";

// Round trips through the real GramJS (npm `telegram` 2.26.x): no network, StringSession only.

async function gramjsString(
	dcId: number,
	address: string,
	port: number,
	key: Uint8Array,
): Promise<string> {
	const session = new StringSession("");
	session.setDC(dcId, address, port);
	const authKey = new AuthKey();
	await authKey.setKey(Buffer.from(key));
	session.setAuthKey(authKey);
	return session.save();
}

async function gramjsLoad(text: string) {
	const session = new StringSession(text);
	await session.load();
	return {
		dcId: session.dcId,
		serverAddress: session.serverAddress,
		port: session.port,
		key: hex(session.getAuthKey()?.getKey() ?? Buffer.alloc(0)),
	};
}

const cases: [string, number, string, number][] = [
	["Node default (DC 4, port 80)", 4, "149.154.167.91", 80],
	["DC 2 port 443", 2, "149.154.167.51", 443],
	["browser hostname", 4, "vesta.web.telegram.org", 443],
	["IPv6 text", 2, "2001:67c:4e8:f002::a", 443],
];

describe("GramJS StringSession (telegram 2.26)", () => {
	it.each(cases)("GramJS writes, we decode: %s", async (_name, dcId, address, port) => {
		const key = makeKey(dcId + port);
		const text = await gramjsString(dcId, address, port, key);
		const decoded = decodeForeignSession(text);
		expect(decoded.format).toBe("gramjs");
		const { session } = decoded;
		expect(session.homeDcId).toBe(dcId);
		expect(session.dcs).toHaveLength(1);
		const dc = session.dcs[0];
		expect(dc?.addr).toBe(address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`);
		expect(dc?.flags).toBe(address.includes(":") ? DcFlags.IPV6 : DcFlags.NONE);
		expect(dc?.authKey?.equals(key)).toBe(true);
		// and our encoder writes the very same string
		expect(encodeGramjsString(session)).toBe(text);
	});

	it.each(cases)("we encode, GramJS loads: %s", async (_name, dcId, address, port) => {
		const key = makeKey(dcId * 3 + port);
		const ours = encodeGramjsString(
			oneDc(dcId, address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`, key),
		);
		const loaded = await gramjsLoad(ours);
		expect(loaded).toEqual({ dcId, serverAddress: address, port, key: hex(key) });
	});

	it("GramJS loads our Telethon IPv4 string (its Telethon path)", async () => {
		const key = makeKey(9);
		const ours = encodeTelethonString(oneDc(2, "149.154.167.51:443", key));
		expect(await gramjsLoad(ours)).toEqual({
			dcId: 2,
			serverAddress: "149.154.167.51",
			port: 443,
			key: hex(key),
		});
	});

	it("a GramJS string keeps its key bytes through decode → encode → GramJS", async () => {
		const key = makeKey(77);
		const text = await gramjsString(5, "91.108.56.130", 443, key);
		const again = encodeGramjsString(decodeGramjsString(text).session);
		expect(await gramjsLoad(again)).toEqual({
			dcId: 5,
			serverAddress: "91.108.56.130",
			port: 443,
			key: hex(key),
		});
	});
});
