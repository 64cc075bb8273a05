export { assertSameSession, comparableSession } from "./compare.js";
export { runConformanceSuite } from "./conformance.js";
export {
	edgeCaseSessions,
	I64_MAX,
	I64_MIN,
	sampleSession,
	seededBytes,
	seededRandom,
	sessionWithExtensions,
	testAuthKey,
	testDc,
	testPeer,
	testPeerMeta,
	testPeers,
} from "./fixtures.js";
export { serviceAvailable } from "./services.js";
export type {
	ConformanceHarness,
	ConformanceOptions,
	ConformanceStore,
	ConformanceSuite,
	TestRunner,
} from "./types.js";
