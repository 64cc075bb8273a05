export { serviceAvailable } from "./services.js";
export type { ConformanceHarness, ConformanceOptions, ConformanceStore, TestRunner } from "./types.js";
