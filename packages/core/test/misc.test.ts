// sessionStats, the default DC table, and core's platform independence.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
	DcFlags,
	DEFAULT_DC_ADDRESSES,
	defaultDcAddress,
	defaultDcTable,
	encodeSession,
	parseDcAddress,
	sessionStats,
} from "../src/index.js";
import { dc, seqKey, session } from "./helpers.js";
import { PEERS_SESSION } from "./vectors.js";

describe("sessionStats", () => {
	it("counts communities separately (the reference counts them as users) and min channels", () => {
		const s = PEERS_SESSION();
		s.homeDcId = 2;
		s.dcs.push(dc({ authKey: seqKey() }), dc({ dcId: 4 }));
		expect(sessionStats(s)).toEqual({
			homeDcId: 2,
			dcsTotal: 2,
			dcsWithAuthKey: 1,
			peersTotal: 8,
			peersUsers: 1,
			peersChats: 1,
			peersChannels: 5,
			peersCommunities: 1,
			peersMinChannels: 1,
			minPeers: 2,
			channelPtsEntries: 1,
			updatesInitialised: true,
			approxBytes: encodeSession(s).length,
		});
	});

	it("an empty session: not initialised, 29 bytes", () => {
		const st = sessionStats(session());
		expect(st.updatesInitialised).toBe(false);
		expect(st.approxBytes).toBe(29);
		expect(st.peersTotal).toBe(0);
	});

	it("approxBytes counts addresses in UTF-8 bytes", () => {
		const s = session({ dcs: [dc({ addr: "é:1" })] });
		expect(sessionStats(s).approxBytes).toBe(encodeSession(s).length);
	});
});

describe("default DC table", () => {
	it("has the reference's IPv4 addresses on port 443", () => {
		expect(DEFAULT_DC_ADDRESSES[1].ipv4).toBe("149.154.175.53:443");
		expect(DEFAULT_DC_ADDRESSES[2].ipv4).toBe("149.154.167.51:443");
		expect(DEFAULT_DC_ADDRESSES[3].ipv4).toBe("149.154.175.100:443");
		expect(DEFAULT_DC_ADDRESSES[4].ipv4).toBe("149.154.167.91:443");
		expect(DEFAULT_DC_ADDRESSES[5].ipv4).toBe("91.108.56.130:443");
		expect(defaultDcAddress(2, true)).toBe("[2001:67c:4e8:f002::a]:443");
		expect(defaultDcAddress(6)).toBeUndefined();
		expect(defaultDcAddress(0)).toBeUndefined();
	});

	it("defaultDcTable: five keyless IPv4 entries, plus five IPv6 ones on request", () => {
		const v4 = defaultDcTable();
		expect(v4.map((d) => d.dcId)).toEqual([1, 2, 3, 4, 5]);
		expect(
			v4.every((d) => d.authKey === null && d.flags === DcFlags.NONE && d.firstSalt === 0n),
		).toBe(true);
		const both = defaultDcTable({ ipv6: true });
		expect(both).toHaveLength(10);
		expect(both.slice(5).every((d) => d.flags === DcFlags.IPV6 && d.addr.startsWith("["))).toBe(
			true,
		);
		for (const d of both) expect(parseDcAddress(d.addr)?.port).toBe(443);
		// fresh objects each call
		(v4[0] as { addr: string }).addr = "x";
		expect(defaultDcTable()[0]?.addr).toBe("149.154.175.53:443");
	});
});

describe("core is platform-independent", () => {
	const src = join(import.meta.dirname, "..", "src");
	const files = (dir: string): string[] =>
		readdirSync(dir).flatMap((f) => {
			const p = join(dir, f);
			return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
		});
	const stripComments = (code: string) =>
		code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

	// src/testing and src/node (the `/testing` and `/node` entries) are Node-only by design; nothing
	// else may import them, so the root and `/backend` run in browsers and workers
	it("no file outside src/testing and src/node imports node: modules, Buffer, process, require or those two", () => {
		const nodeOnly = (f: string) => /^(testing|node)\b/.test(relative(src, f));
		const checked = files(src).filter((f) => !nodeOnly(f));
		expect(checked.length).toBeGreaterThan(15);
		const offenders: string[] = [];
		for (const f of checked) {
			const code = stripComments(readFileSync(f, "utf8"));
			if (
				/from\s+["']node:|import\(\s*["']node:|\brequire\s*\(|\bBuffer\b|\bprocess\b|from\s+["'](fs|path|os|crypto|util|buffer)["']|from\s+["'](\.\.?\/)+(node|testing)\//.test(
					code,
				)
			) {
				offenders.push(relative(src, f));
			}
		}
		expect(offenders).toEqual([]);
	});

	it("the checker itself catches an offender", () => {
		const code = stripComments(
			'import { x } from "node:fs";\nconst b = Buffer.from("a"); // process',
		);
		expect(/from\s+["']node:/.test(code) && /\bBuffer\b/.test(code)).toBe(true);
		expect(/\bprocess\b/.test(stripComments("// another process holds the lock"))).toBe(false);
	});
});
