import { defaultDcAddress } from "@x/session-core";
import { corrupt } from "../errors.js";

// tdata and MTKruto strings store DC ids, not addresses: the session gets the well-known address
// of each DC, IPv4 (production: core's table; test: Telegram's three test DCs).
const TEST_DCS: Readonly<Record<number, string>> = {
	1: "149.154.175.10:80",
	2: "149.154.167.40:443",
	3: "149.154.175.117:443",
};

/** `ip:port` of a DC by id, or a corrupt-data error naming `what` for a DC outside the table. */
export function wellKnownDcAddress(dcId: number, testMode: boolean, what: string): string {
	const addr = testMode ? TEST_DCS[dcId] : defaultDcAddress(dcId);
	if (addr === undefined)
		throw corrupt(`${what}: DC ${dcId} has no known ${testMode ? "test" : "production"} address`);
	return addr;
}

/** Whether Telegram's test environment has a DC with this id. */
export function isTestDc(dcId: number): boolean {
	return TEST_DCS[dcId] !== undefined;
}
