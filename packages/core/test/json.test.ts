// JSON export/import: secrets redacted unless asked for, strict validation that never echoes values.
import { describe, expect, it } from "vitest";
import {
	CorruptSessionError,
	REDACTED,
	SESSION_JSON_FORMAT,
	SecretBytes,
	type SessionJson,
	sessionFromJson,
	sessionToJson,
} from "../src/index.js";
import { prepareSession } from "../src/toolkit.js";
import { b64, expectNoLeak, patternBytes, plain, seqKey, thrown } from "./helpers.js";
import { PEERS_SESSION } from "./vectors.js";

function full() {
	const s = PEERS_SESSION();
	s.homeDcId = 2;
	s.dcs.push(
		{
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: seqKey(),
			firstSalt: -5n,
			timeOffset: -3,
			flags: 0x10,
		},
		{
			dcId: 2,
			addr: "[2001:67c:4e8:f002::a]:443",
			authKey: null,
			firstSalt: 0n,
			timeOffset: 0,
			flags: 1,
		},
	);
	return s;
}

describe("sessionToJson / sessionFromJson", () => {
	it("exports a documented layout: 64-bit values as decimal strings, secrets redacted by default", () => {
		const j = sessionToJson(full());
		expect(j.format).toBe(SESSION_JSON_FORMAT);
		expect(j.version).toBe(1);
		expect(j.dcs[0]).toEqual({
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: REDACTED,
			firstSalt: "-5",
			timeOffset: -3,
			flags: 16,
		});
		expect(j.dcs[1]?.authKey).toBeNull();
		expect(j.futureAuthToken).toBe(REDACTED);
		expect(j.peers[2]).toEqual({
			kind: "channel",
			id: "1001",
			accessHash: "9223372036854775807",
			channelKind: "broadcast",
		});
		expect(j.minPeers[0]).toEqual({ userId: "7", peerId: "-100", msgId: 42 });
		expect(j.updatesState.channels).toEqual([{ channelId: "1001", pts: 5 }]);
		// plain JSON: no bigint, stringifies as is
		expect(JSON.parse(JSON.stringify(j))).toEqual(j);
	});

	it("includeSecrets writes keys and token as padded standard base64 and round-trips exactly", () => {
		const j = sessionToJson(full(), { includeSecrets: true });
		expect(j.dcs[0]?.authKey).toBe(b64(seqKey().expose()));
		expect(j.futureAuthToken).toBe("3q2+7w==");
		expect(plain(sessionFromJson(JSON.stringify(j)))).toEqual(plain(full()));
		expect(plain(sessionFromJson(j))).toEqual(plain(full()));
	});

	it("a redacted export is rejected on import unless allowRedacted (which drops the secrets)", () => {
		const j = sessionToJson(full());
		const e = thrown(() => sessionFromJson(j));
		expect(e).toBeInstanceOf(CorruptSessionError);
		expect((e as Error).message).toMatch(/dcs\[0\]\.authKey is redacted/);
		const s = sessionFromJson(j, { allowRedacted: true });
		expect(s.dcs[0]?.authKey).toBeNull();
		expect(s.futureAuthToken).toBeNull();
		expect(s.peers).toEqual(full().peers);
	});

	it("a missing futureAuthToken reads as none", () => {
		const j = sessionToJson(full(), { includeSecrets: true }) as Partial<SessionJson>;
		delete j.futureAuthToken;
		expect(sessionFromJson(j).futureAuthToken).toBeNull();
	});

	it("every malformed field is a CorruptSessionError naming the field, never echoing the value", () => {
		const MARK = "Zq9XmarkerValue";
		const base = () => JSON.parse(JSON.stringify(sessionToJson(full(), { includeSecrets: true })));
		// biome-ignore lint/suspicious/noExplicitAny: mutating parsed JSON of any shape
		const mutations: [string, (j: any) => void, RegExp][] = [
			["format", (j) => (j.format = MARK), /format/],
			["version", (j) => (j.version = 2), /version/],
			["homeDcId string", (j) => (j.homeDcId = MARK), /homeDcId/],
			["homeDcId float", (j) => (j.homeDcId = 1.5), /homeDcId/],
			["homeDcId too big", (j) => (j.homeDcId = 2 ** 31), /homeDcId/],
			["dcs not array", (j) => (j.dcs = MARK), /dcs/],
			["dc not object", (j) => (j.dcs[0] = MARK), /dcs\[0\]/],
			["dcId", (j) => (j.dcs[0].dcId = MARK), /dcs\[0\]\.dcId/],
			["addr", (j) => (j.dcs[0].addr = 5), /dcs\[0\]\.addr/],
			["authKey not base64", (j) => (j.dcs[0].authKey = `${MARK}!!`), /dcs\[0\]\.authKey/],
			[
				"authKey wrong length",
				(j) => (j.dcs[0].authKey = b64(new TextEncoder().encode(MARK))),
				/256 bytes/,
			],
			["authKey number", (j) => (j.dcs[0].authKey = 5), /authKey/],
			["firstSalt number", (j) => (j.dcs[0].firstSalt = 5), /firstSalt/],
			["firstSalt text", (j) => (j.dcs[0].firstSalt = MARK), /firstSalt/],
			[
				"firstSalt out of range",
				(j) => (j.dcs[0].firstSalt = "9223372036854775808"),
				/firstSalt.*i64/,
			],
			["flags", (j) => (j.dcs[0].flags = 256), /flags/],
			["timeOffset", (j) => (j.dcs[0].timeOffset = null), /timeOffset/],
			["updatesState", (j) => (j.updatesState = [MARK]), /updatesState/],
			["pts", (j) => (j.updatesState.pts = MARK), /pts/],
			["channels", (j) => (j.updatesState.channels = {}), /channels/],
			["channelId", (j) => (j.updatesState.channels[0].channelId = `1${MARK}`), /channelId/],
			["peer kind", (j) => (j.peers[0].kind = MARK), /peers\[0\]\.kind/],
			["channelKind", (j) => (j.peers[0].channelKind = MARK), /channelKind/],
			["channelKind missing", (j) => delete j.peers[0].channelKind, /channelKind/],
			["peer id", (j) => (j.peers[1].id = "1.5"), /peers\[1\]\.id/],
			["accessHash", (j) => (j.peers[1].accessHash = 1), /accessHash/],
			["minPeers", (j) => (j.minPeers = null), /minPeers/],
			["msgId", (j) => (j.minPeers[0].msgId = "1"), /msgId/],
			["token", (j) => (j.futureAuthToken = [1, 2]), /futureAuthToken/],
			["token redacted", (j) => (j.futureAuthToken = REDACTED), /futureAuthToken is redacted/],
		];
		for (const [name, mutate, field] of mutations) {
			const j = base();
			mutate(j);
			for (const input of [j, JSON.stringify(j)]) {
				const e = thrown(() => sessionFromJson(input));
				expect(e, name).toBeInstanceOf(CorruptSessionError);
				expect((e as CorruptSessionError).code).toBe("CORRUPT_DATA");
				expect((e as Error).message, name).toMatch(field);
				expect((e as Error).message, name).not.toContain(MARK);
				expect((e as Error).message).toMatch(/^\[x-session\] \[json\] invalid session JSON: /);
			}
		}
		for (const notSession of [null, 5, "null", [], "[]", "{", `{"authKey":"${MARK}`]) {
			const e = thrown(() => sessionFromJson(notSession));
			expect(e).toBeInstanceOf(CorruptSessionError);
			expect(String((e as Error).message)).not.toContain(MARK);
		}
	});

	it("a JSON syntax error does not carry the text (V8 quotes it) in message or cause", () => {
		const key = b64(patternBytes(256));
		const text = `{"format":"x-session/json","dcs":[{"authKey":"${key}"}]} trailing ${key}`;
		const e = thrown(() => sessionFromJson(text)) as Error;
		expect(e).toBeInstanceOf(CorruptSessionError);
		expect(e.cause).toBeUndefined();
		expectNoLeak(`${e.message}\n${e.stack}`);
	});

	it("what every backend's save() refuses is a CorruptSessionError at import, not at the next save", () => {
		const refusals: [(j: SessionJson) => void, RegExp][] = [
			[(j) => ((j.dcs[0] as SessionJson["dcs"][0]).addr = "a".repeat(256)), /256 address bytes/],
			[(j) => (j.futureAuthToken = b64(new Uint8Array(65_536))), /future auth token/],
			[
				(j) => {
					const peer = j.peers[0] as SessionJson["peers"][0];
					peer.meta = {
						usernames: ["a b"],
						phone: null,
						name: null,
						updatedAt: 0,
						isMin: false,
						data: null,
					};
				},
				/whitespace/,
			],
		];
		for (const [edit, reason] of refusals) {
			const j = sessionToJson(full(), { includeSecrets: true });
			edit(j);
			expect(() => sessionFromJson(j)).toThrow(CorruptSessionError);
			expect(() => sessionFromJson(j)).toThrow(reason);
			expect(() => sessionFromJson(j)).toThrow(
				/^\[x-session\] \[json\] invalid session JSON: [^[]/,
			);
		}
		const j = sessionToJson(full(), { includeSecrets: true });
		(j.dcs[0] as SessionJson["dcs"][0]).addr = "a".repeat(255);
		expect(() => prepareSession(sessionFromJson(j), "memory")).not.toThrow();
	});

	it("a huge secret in JSON is still a SecretBytes", () => {
		const j = sessionToJson(full(), { includeSecrets: true });
		j.futureAuthToken = b64(new Uint8Array(1000).fill(1));
		expect(sessionFromJson(j).futureAuthToken).toBeInstanceOf(SecretBytes);
	});
});
