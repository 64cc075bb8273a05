// Sparse arrays (holes, as `[, {...}]` or `new Array(2)`) in session JSON: map() skips a hole, so
// it used to reach encodeSession and file saves as `undefined` and fail there with a TypeError.
import { describe, expect, it } from "vitest";
import {
	CorruptSessionError,
	encodeSession,
	type SessionJson,
	sessionFromJson,
	sessionToJson,
} from "../src/index.js";
import { sampleSession } from "../src/testing/index.js";

function sample(): SessionJson {
	return sessionToJson(sampleSession(), { includeSecrets: true });
}

/** `list` with a hole before its first element. */
function holed<T>(list: T[]): T[] {
	const out = new Array<T>(list.length + 1);
	list.forEach((x, i) => {
		out[i + 1] = x;
	});
	return out;
}

const cases: Record<string, (j: SessionJson) => void> = {
	dcs: (j) => {
		j.dcs = holed(j.dcs);
	},
	"updatesState.channels": (j) => {
		j.updatesState.channels = holed(j.updatesState.channels);
	},
	peers: (j) => {
		j.peers = holed(j.peers);
	},
	minPeers: (j) => {
		j.minPeers = holed(j.minPeers);
	},
	"a peer's usernames": (j) => {
		const p = j.peers[0] as SessionJson["peers"][number];
		p.meta = {
			usernames: holed(["durov"]),
			phone: null,
			name: null,
			updatedAt: 1,
			isMin: false,
			data: null,
		};
	},
	"dcs (at the end)": (j) => {
		j.dcs.length += 1;
	},
};

describe("sessionFromJson with sparse arrays", () => {
	it("the sample without holes imports and encodes (the control)", () => {
		expect(() => encodeSession(sessionFromJson(sample()))).not.toThrow();
	});

	for (const [where, punch] of Object.entries(cases))
		it(`a hole in ${where} is a CorruptSessionError naming the field`, () => {
			const json = sample();
			punch(json);
			let error: unknown;
			try {
				encodeSession(sessionFromJson(json));
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(CorruptSessionError);
			expect((error as Error).message).toMatch(/is missing/);
		});
});
