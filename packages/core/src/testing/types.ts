import type { SessionBackend } from "../backend.js";

// Test functions get the runner's context (vitest, node:test), which may offer `skip()`.
// biome-ignore lint/suspicious/noExplicitAny: each runner has its own context type
type Fn = (context?: any) => unknown | Promise<unknown>;

/** The test-runner functions the suite needs: pass vitest's, node:test's, mocha's or jest's. */
export interface TestRunner {
	describe(name: string, fn: () => void): void;
	it(name: string, fn: Fn, timeout?: number): void;
	beforeEach?(fn: Fn): void;
	afterEach?(fn: Fn): void;
}

/** One isolated storage location for one test (a temp file, a key prefix, a database schema). */
export interface ConformanceStore {
	/**
	 * Opens a backend bound to `sessionId` (default `"default"`) on this store. For persistent
	 * backends, a backend opened after another was closed reads what that one wrote.
	 */
	open(sessionId?: string): Promise<SessionBackend>;
	/** Closes what is still open and removes everything the store created. */
	destroy(): Promise<void>;
}

/** How the suite gets fresh storage. */
export interface ConformanceHarness {
	/** Label for the describe block, e.g. `"file"`. */
	name: string;
	/** A fresh, empty store; called once per test. */
	createStore(): Promise<ConformanceStore>;
}

/** Options of `runConformanceSuite`. */
export interface ConformanceOptions {
	/** Per-test timeout in ms (default 30 000). */
	timeout?: number;
}

/** The common form of `runConformanceSuite`: a name and how to open a backend on a session. */
export interface ConformanceSuite {
	/** Label for the describe block, e.g. `"file"`. */
	name: string;
	/**
	 * Opens a backend bound to `sessionId` on one shared storage. Every test uses session ids no
	 * other test uses (and deletes them after), so they need no storage of their own; a backend
	 * opened after another was closed reads what that one wrote (for persistent backends).
	 */
	open(sessionId: string): Promise<SessionBackend>;
	/** The runner's functions; by default found from the environment (see `runConformanceSuite`). */
	runner?: TestRunner;
	/** Per-test timeout in ms (default 30 000). */
	timeout?: number;
}
