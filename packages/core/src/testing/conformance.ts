import type { SessionBackend } from "../backend.js";
import { changesTests } from "./groups/changes.js";
import { coalescingTests } from "./groups/coalescing.js";
import { concurrencyTests } from "./groups/concurrency.js";
import { extensionTests } from "./groups/extensions.js";
import { granularTests } from "./groups/granular.js";
import { identityTests } from "./groups/identity.js";
import { lifecycleTests } from "./groups/lifecycle.js";
import { lockingTests } from "./groups/locking.js";
import { lookupTests } from "./groups/lookups.js";
import { multiSessionTests } from "./groups/multi-session.js";
import { nativeLookupTests } from "./groups/native-lookups.js";
import { peerlessLoadTests } from "./groups/peerless-load.js";
import { persistentTests } from "./groups/persistent.js";
import { roundTripTests } from "./groups/round-trips.js";
import { findRunner, storesBySessionId } from "./simple-suite.js";
import type { Body, Capability, Register, Requirement } from "./suite-types.js";
import type {
	ConformanceHarness,
	ConformanceOptions,
	ConformanceSuite,
	TestRunner,
} from "./types.js";

/** What runners pass to a test function: vitest's and node:test's contexts can mark it skipped. */
type TestContext = { skip?: (note?: string) => void } | undefined;

/** The groups in the order they are registered, each under its describe name. */
const GROUPS: readonly (readonly [string, (test: Register) => void])[] = [
	["identity", identityTests],
	["round trips", roundTripTests],
	["load without peers", peerlessLoadTests],
	["granular methods", granularTests],
	["concurrency", concurrencyTests],
	["delete and lifecycle", lifecycleTests],
	["when persistent", persistentTests],
	["when multiSession", multiSessionTests],
	["when locking", lockingTests],
	["changes", changesTests],
	["when extensions", extensionTests],
	["when extensions: lookups", lookupTests],
	["when nativeLookups", nativeLookupTests],
	["when coalescing", coalescingTests],
];

/**
 * Registers the conformance tests for one backend. Tests are grouped by capability; a test of a
 * capability the backend declares `false` reports itself skipped (through the runner's test
 * context where it has one), so nothing passes by omission.
 *
 * The common case takes a name and an `open(sessionId)` and finds the runner itself (vitest under
 * vitest, else the global `describe`/`it` of jest or mocha, else node:test); await it:
 *
 * ```ts
 * await runConformanceSuite({ name: "map", open: (sessionId) => MapBackend.open({ data, sessionId }) });
 * ```
 *
 * The full form takes the runner's functions and a harness that creates fresh storage per test.
 */
export function runConformanceSuite(suite: ConformanceSuite): Promise<void>;
export function runConformanceSuite(
	runner: TestRunner,
	harness: ConformanceHarness,
	options?: ConformanceOptions,
): void;
export function runConformanceSuite(
	first: ConformanceSuite | TestRunner,
	harness?: ConformanceHarness,
	options: ConformanceOptions = {},
): Promise<void> | void {
	if (harness) return registerSuite(first as TestRunner, harness, options);
	const suite = first as ConformanceSuite;
	const timeout = suite.timeout === undefined ? {} : { timeout: suite.timeout };
	return findRunner(suite.runner).then((runner) =>
		registerSuite(runner, storesBySessionId(suite), timeout),
	);
}

function registerSuite(
	runner: TestRunner,
	harness: ConformanceHarness,
	options: ConformanceOptions,
): void {
	const probe = capabilityProbe(harness);

	/** A test on fresh storage; everything opened is closed and the store destroyed after. */
	const registerTest = (name: string, body: Body, ms: number, requires: readonly Requirement[]) =>
		runner.it(
			name,
			async (context?: TestContext) => {
				for (const requirement of requires) {
					// `!capability`: the test is about a backend that lacks it
					const lacks = requirement.startsWith("!");
					const capability = (lacks ? requirement.slice(1) : requirement) as Capability;
					if ((await probe(capability)) !== lacks) continue;
					context?.skip?.(`${harness.name} declares ${capability}: ${lacks}`);
					return;
				}
				const store = await harness.createStore();
				const opened: SessionBackend[] = [];
				const open = async (sessionId?: string) => {
					const backend = await store.open(sessionId);
					opened.push(backend);
					return backend;
				};
				try {
					await body(open, store);
				} finally {
					for (const b of opened) await b.close().catch(() => undefined);
					await store.destroy();
				}
			},
			ms,
		);
	const register = (ms: number): Register =>
		Object.assign(
			(name: string, body: Body, ...requires: Requirement[]) =>
				registerTest(name, body, ms, requires),
			{ timeout: ms, within: register },
		);
	const test = register(options.timeout ?? 30_000);

	runner.describe(`SessionBackend conformance: ${harness.name}`, () => {
		for (const [group, tests] of GROUPS) runner.describe(group, () => tests(test));
	});
}

/** Opens a throwaway store once per capability to read the backend's declarations. */
function capabilityProbe(harness: ConformanceHarness) {
	let declared: Promise<SessionBackend["capabilities"]> | undefined;
	return async (capability: Capability): Promise<boolean> => {
		declared ??= (async () => {
			const store = await harness.createStore();
			try {
				const b = await store.open("capability-probe");
				const caps = { ...b.capabilities };
				await b.close();
				return caps;
			} finally {
				await store.destroy();
			}
		})();
		return (await declared)[capability];
	};
}
