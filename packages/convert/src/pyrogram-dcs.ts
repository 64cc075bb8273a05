import { corrupt } from "./errors.js";

// Pyrogram does not store addresses: it looks the DC up in its own table
// (pyrogram/session/internals/data_center.py), IPv4, port 443 in production and 80 in test mode.
const PROD: Readonly<Record<number, string>> = {
	1: "149.154.175.53",
	2: "149.154.167.51",
	3: "149.154.175.100",
	4: "149.154.167.91",
	5: "91.108.56.130",
	203: "91.105.192.100",
};
const TEST: Readonly<Record<number, string>> = {
	1: "149.154.175.10",
	2: "149.154.167.40",
	3: "149.154.175.117",
};

/** The IPv4 address and port Pyrogram connects to for a DC; unknown DCs are corrupt data. */
export function pyrogramDcAddress(dcId: number, testMode: boolean): { ip: string; port: number } {
	const ip = (testMode ? TEST : PROD)[dcId];
	if (ip === undefined)
		throw corrupt(`DC ${dcId} is not in Pyrogram's ${testMode ? "test" : "production"} DC table`);
	return { ip, port: testMode ? 80 : 443 };
}
