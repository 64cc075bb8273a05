// The conformance suite against a correct backend kept in this test, and against deliberately
// broken ones: each must fail exactly the tests that look at what it breaks.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type BackendCapabilities,
	type CachedPeer,
	cloneSession,
	decodeSession,
	encodeSession,
	type PersistedSession,
	type SessionChanges,
	SessionLockedError,
} from "../src/index.js";
import {
	type ConformanceHarness,
	runConformanceSuite,
	type TestRunner,
} from "../src/testing/index.js";
import { BaseSessionBackend } from "../src/toolkit.js";

interface Flaws {
	/** Peers matched on id alone, as the reference's cache_peer does (FORMAT.md §8.5). */
	peersById?: boolean;
	/** Granular methods without the queue: load → mutate → save interleave (FORMAT.md §8.3). */
	unserialized?: boolean;
	/** delete() does nothing. */
	deleteIgnored?: boolean;
	/** Claims to be persistent but keeps nothing once closed. */
	forgetsOnClose?: boolean;
	/** Claims locking but never locks. */
	neverLocks?: boolean;
	/** A zero access hash replaces a known one. */
	zeroHashWins?: boolean;
	/** Saves without the extension trailer: metadata and extension values are lost. */
	dropsExtensions?: boolean;
	/** Username lookups compare case-sensitively. */
	caseSensitiveUsernames?: boolean;
	/** applyChanges runs the granular methods one by one: a bad last part leaves the others. */
	nonAtomicChanges?: boolean;
	/** applyChanges ignores deleteMinPeers. */
	dropsMinPeerDeletes?: boolean;
	/** Declares extensions: false (a correct backend, for the UNSUPPORTED test). */
	noExtensions?: boolean;
	/** With extensions: false, applyChanges drops extension parts instead of refusing them. */
	dropsUnsupportedParts?: boolean;
	/** load() returns the stored object itself: a caller changing the result changes the store. */
	loadReturnsStored?: boolean;
	/** save() keeps the caller's object itself: changing it after save() changes the store. */
	saveKeepsCaller?: boolean;
}

/**
 * Sessions as v8 bytes in a shared map, one entry per session id: a small persistent backend. The
 * flaws that share objects with callers keep the session as an object in `live` as well.
 */
class MapBackend extends BaseSessionBackend {
	readonly name = "map";
	override capabilities: BackendCapabilities = {
		persistent: true,
		multiSession: true,
		locking: true,
		nativeGranular: false,
		coalescing: false,
		extensions: true,
		nativeLookups: false,
	};
	constructor(
		private readonly data: Map<string, Uint8Array>,
		private readonly held: Set<string>,
		private readonly id: string,
		private readonly flaws: Flaws,
		private readonly live: Map<string, PersistedSession>,
	) {
		super();
		if (flaws.noExtensions) this.capabilities = { ...this.capabilities, extensions: false };
	}

	static async open(
		data: Map<string, Uint8Array>,
		held: Set<string>,
		id: string,
		flaws: Flaws,
		live: Map<string, PersistedSession>,
	) {
		if (held.has(id) && !flaws.neverLocks)
			throw new SessionLockedError(`session "${id}" is open`, { backend: "map" });
		held.add(id);
		return new MapBackend(data, held, id, flaws, live);
	}

	protected async loadSession(): Promise<PersistedSession | null> {
		await new Promise((r) => setTimeout(r, 0));
		const stored = this.live.get(this.id);
		if (stored) return this.flaws.loadReturnsStored ? stored : cloneSession(stored);
		const bytes = this.data.get(this.id);
		const session = bytes ? decodeSession(bytes) : null;
		if (session && this.flaws.loadReturnsStored) this.live.set(this.id, session);
		return session;
	}

	override save(session: PersistedSession): Promise<void> {
		if (!this.flaws.saveKeepsCaller) return super.save(session);
		return this.exclusive(async () => {
			this.data.set(this.id, encodeSession(session));
			this.live.set(this.id, session);
		});
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		await new Promise((r) => setTimeout(r, 0));
		if (this.flaws.dropsExtensions) {
			session = { ...session, peers: session.peers.map(({ meta: _, ...p }) => p) };
			delete session.extensions;
		}
		this.data.set(this.id, encodeSession(session));
		if (this.flaws.loadReturnsStored || this.flaws.saveKeepsCaller) this.live.set(this.id, session);
	}

	override async findPeerByUsername(username: string): Promise<CachedPeer | null> {
		if (!this.flaws.caseSensitiveUsernames) return super.findPeerByUsername(username);
		const s = await this.load();
		return s?.peers.find((p) => p.meta?.usernames.includes(username)) ?? null;
	}

	protected async deleteSession(): Promise<void> {
		if (this.flaws.deleteIgnored) return;
		this.data.delete(this.id);
		this.live.delete(this.id);
	}

	protected override async closeSession(): Promise<void> {
		this.held.delete(this.id);
		if (this.flaws.forgetsOnClose) this.data.delete(this.id);
	}

	override async applyChanges(changes: SessionChanges): Promise<void> {
		const { nonAtomicChanges, dropsMinPeerDeletes, dropsUnsupportedParts } = this.flaws;
		if (dropsMinPeerDeletes) return super.applyChanges({ ...changes, deleteMinPeers: [] });
		if (dropsUnsupportedParts)
			return super.applyChanges({ ...changes, deleteExtensions: [], setExtensions: [] });
		if (!nonAtomicChanges) return super.applyChanges(changes);
		for (const dc of changes.dcs ?? []) await this.updateDc(dc);
		if (changes.homeDcId !== undefined) await this.setHomeDc(changes.homeDcId);
		for (const change of changes.updateState ?? []) await this.applyUpdateState(change);
		if (changes.peers?.length) await this.cachePeers(changes.peers);
		const { deleteMinPeers, minPeers } = changes;
		if (deleteMinPeers?.length || minPeers?.length)
			await super.applyChanges({ deleteMinPeers: deleteMinPeers ?? [], minPeers: minPeers ?? [] });
		for (const key of changes.deleteExtensions ?? []) await this.deleteExtension(key);
		for (const [key, value] of changes.setExtensions ?? []) await this.setExtension(key, value);
	}

	override cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		const { peersById, zeroHashWins, unserialized } = this.flaws;
		if (!peersById && !zeroHashWins && !unserialized) return super.cachePeers(peers);
		const apply = (s: PersistedSession) => {
			for (const peer of peers) {
				const i = s.peers.findIndex((p) => p.id === peer.id && (peersById || p.kind === peer.kind));
				const merged = { ...peer };
				if (i >= 0 && !zeroHashWins && peer.accessHash === 0n)
					merged.accessHash = (s.peers[i] as CachedPeer).accessHash;
				if (i >= 0 && merged.channelKind === null)
					merged.channelKind = (s.peers[i] as CachedPeer).channelKind;
				if (i >= 0) s.peers[i] = merged;
				else s.peers.push(merged);
			}
		};
		if (!unserialized) return this.mutate(apply);
		return (async () => {
			const s = (await this.loadSession()) ?? (await import("../src/index.js")).emptySession();
			apply(s);
			await this.saveSession(s);
		})();
	}
}

function harness(flaws: Flaws = {}): ConformanceHarness {
	return {
		name: `map ${JSON.stringify(flaws)}`,
		async createStore() {
			const data = new Map<string, Uint8Array>();
			const held = new Set<string>();
			const live = new Map<string, PersistedSession>();
			return {
				open: (sessionId = "default") => MapBackend.open(data, held, sessionId, flaws, live),
				destroy: async () => {
					data.clear();
					live.clear();
				},
			};
		},
	};
}

runConformanceSuite({ describe, it, beforeEach, afterEach }, harness());

/** One storage shared by every test, as the two-line form `runConformanceSuite({ name, open })` uses. */
function sharedStorage() {
	const data = new Map<string, Uint8Array>();
	const held = new Set<string>();
	const live = new Map<string, PersistedSession>();
	return { data, open: (sessionId: string) => MapBackend.open(data, held, sessionId, {}, live) };
}

const shared = sharedStorage();
await runConformanceSuite({ name: "map (two-line form)", open: shared.open });

/** A runner that only collects the tests registered with it (named by group path). */
function collect() {
	const tests: { name: string; fn: (ctx: unknown) => unknown }[] = [];
	const path: string[] = [];
	const runner: TestRunner = {
		describe(name, fn) {
			path.push(name);
			fn();
			path.pop();
		},
		it(name, fn) {
			tests.push({ name: [...path.slice(1), name].join(" > "), fn });
		},
	};
	return { tests, runner };
}

/** Registers the suite with a runner that only collects, then runs every test; returns the failures. */
async function failingTests(flaws: Flaws, group?: string, skipped?: string[]): Promise<string[]> {
	const { tests, runner } = collect();
	runConformanceSuite(runner, harness(flaws));
	const failed: string[] = [];
	for (const t of tests) {
		if (group !== undefined && !t.name.startsWith(`${group} > `)) continue;
		try {
			await t.fn({ skip: () => skipped?.push(t.name) });
		} catch {
			failed.push(t.name);
		}
	}
	return failed;
}

describe("the two-line form", () => {
	it("registers the same tests as the full form, and leaves the shared storage empty", async () => {
		const full = collect();
		runConformanceSuite(full.runner, harness());
		const simple = collect();
		const storage = sharedStorage();
		await runConformanceSuite({ name: "map", open: storage.open, runner: simple.runner });
		expect(simple.tests.map((t) => t.name)).toEqual(full.tests.map((t) => t.name));
		const failed: string[] = [];
		for (const t of simple.tests) await Promise.resolve(t.fn({})).catch(() => failed.push(t.name));
		expect(failed).toEqual([]);
		expect([...storage.data.keys()]).toEqual([]);
	}, 120_000);
});

describe("the suite catches broken backends", () => {
	it("a correct backend fails nothing under the collecting runner", async () => {
		expect(await failingTests({})).toEqual([]);
	});

	const cases: [keyof Flaws, string][] = [
		["peersById", "granular methods > cachePeer inserts and updates by (kind, id)"],
		["unserialized", "concurrency > concurrent granular calls on one instance lose nothing"],
		[
			"deleteIgnored",
			"delete and lifecycle > delete() removes the session; writes afterwards start from empty",
		],
		["forgetsOnClose", "when persistent > a new instance reads what a closed one saved"],
		["neverLocks", "when locking > a second open of a held session rejects with LOCKED within 1 s"],
		[
			"zeroHashWins",
			"granular methods > a zero hash or unknown channel kind never erases what is known",
		],
		[
			"dropsExtensions",
			"when extensions > a session with extension values and peer metadata round-trips",
		],
		[
			"caseSensitiveUsernames",
			"when extensions: lookups > usernames are case-insensitive and may carry @",
		],
		["saveKeepsCaller", "round trips > isolates stored data from the caller's objects"],
	];
	for (const [flaw, expected] of cases) {
		it(`${flaw}: fails "${expected}"`, async () => {
			const failed = await failingTests({ [flaw]: true });
			expect(failed).toContain(expected);
		}, 60_000);
	}

	it("loadReturnsStored: fails only the isolation test (a mutated load() result changes the store)", async () => {
		expect(await failingTests({ loadReturnsStored: true })).toEqual([
			"round trips > isolates stored data from the caller's objects",
		]);
	}, 60_000);

	const changes: [keyof Flaws, string][] = [
		["nonAtomicChanges", "changes > an invalid peer as the last part rejects and applies nothing"],
		[
			"nonAtomicChanges",
			"changes > an invalid extension key as the last part rejects and applies nothing",
		],
		["dropsMinPeerDeletes", "changes > each ferogram part round-trips through load()"],
	];
	for (const [flaw, expected] of changes) {
		it(`${flaw}: fails "${expected}"`, async () => {
			expect(await failingTests({ [flaw]: true }, "changes")).toContain(expected);
		});
	}

	const unsupported = "changes > extension parts reject with UNSUPPORTED and apply nothing";
	it("a backend without extensions runs the UNSUPPORTED test and passes the group", async () => {
		const skipped: string[] = [];
		expect(await failingTests({ noExtensions: true }, "changes", skipped)).toEqual([]);
		expect(skipped).not.toContain(unsupported);
		expect(skipped).toContain("changes > deleteExtensions runs before setExtensions");
	});
	it(`dropsUnsupportedParts: fails "${unsupported}"`, async () => {
		const failed = await failingTests(
			{ noExtensions: true, dropsUnsupportedParts: true },
			"changes",
		);
		expect(failed).toEqual([unsupported]);
	});
});
