import {
	compactFromSession,
	decodeCompactString,
	decodeSessionString,
	encodeCompactString,
	encodeNativeString,
} from "@x/session-core";
import { base64Decode, base64Encode } from "@x/session-core/backend";
import { sampleSession } from "@x/session-core/testing";
import { time } from "../lib.js";
import { peerModules } from "./peers.js";
import { add, type Meta, type RowInfo } from "./rows.js";

/** String export / import of a logged-in session. */
export async function strings(): Promise<void> {
	const { mtutils, StringSession, AuthKey } = await peerModules();
	const name = "string export + import";
	const session = { ...sampleSession(), peers: [] };
	const compact = compactFromSession(session, 123456789n);
	if (!compact) throw new Error("no compact form");
	const N = 5000;
	const size = `${N} round trips`;
	const info = (role: Meta["role"], comparable = true): RowInfo => ({
		role,
		durability: { rank: 0, label: "none: a string for the app to store" },
		comparable,
	});
	const key = session.dcs.find((d) => d.authKey)?.authKey?.expose() as Uint8Array;
	const our = await time(() => {
		for (let i = 0; i < N; i++) decodeSessionString(encodeNativeString(session));
	});
	add(name, size, "x-session native string (all DCs, state, token)", our, N, info("ours"));
	const ourCompact = await time(() => {
		for (let i = 0; i < N; i++) decodeCompactString(encodeCompactString(compact));
	});
	add(name, size, "x-session compact string (one DC)", ourCompact, N, {
		...info("ours"),
		floor: "memory",
	});
	// what the string's bytes cost to carry: the platform's native base64url (what mtcute uses
	// on Node), and core's own (pure JS: core runs where there is no Buffer) as a measured bound
	const bytes = base64Decode(encodeCompactString(compact));
	add(
		name,
		size,
		"floor: the same bytes through Node's base64url (Buffer), encode + decode",
		await time(() => {
			for (let i = 0; i < N; i++)
				Buffer.from(Buffer.from(bytes).toString("base64url"), "base64url");
		}),
		N,
		{ ...info("floor"), floor: "memory", note: `${bytes.length} bytes` },
	);
	add(
		name,
		size,
		"floor: the same bytes through core's base64url (pure JS), encode + decode",
		await time(() => {
			for (let i = 0; i < N; i++) base64Decode(base64Encode(bytes));
		}),
		N,
		{ ...info("floor"), floor: "memory", bound: true, note: `${bytes.length} bytes` },
	);
	const k = new AuthKey();
	await k.setKey(Buffer.from(key));
	const gram = await time(async () => {
		for (let i = 0; i < N; i++) {
			const s = new StringSession("");
			s.setDC(2, "149.154.167.51", 443);
			s.setAuthKey(k);
			const text = s.save();
			const back = new StringSession(text);
			await back.load();
		}
	});
	add(name, size, "GramJS StringSession (one DC)", gram, N, info("peer"));
	const mt = await time(() => {
		for (let i = 0; i < N; i++) {
			const text = mtutils.writeStringSession({
				version: 3,
				primaryDcs: {
					main: { id: 2, ipAddress: "149.154.167.51", port: 443 },
					media: { id: 2, ipAddress: "149.154.167.51", port: 443 },
				},
				self: null,
				authKey: key,
			});
			mtutils.readStringSession(text);
		}
	});
	add(name, size, "mtcute string session (main + media DC)", mt, N, info("peer"));
}
