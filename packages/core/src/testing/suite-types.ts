import type { SessionBackend } from "../backend.js";
import type { ConformanceStore } from "./types.js";

/** Opens a backend on the test's storage (session `"default"` unless named). */
export type Open = (sessionId?: string) => Promise<SessionBackend>;
/** A test body: fresh storage, and everything it opens is closed afterwards. */
export type Body = (open: Open, store: ConformanceStore) => Promise<void>;
export type Capability = keyof SessionBackend["capabilities"];
/** A capability the test needs, or `!capability` for one the backend must lack. */
export type Requirement = Capability | `!${Capability}`;

/** How a conformance group registers its tests; each group lives in its own file in groups/. */
export interface Register {
	(name: string, body: Body, ...requires: Requirement[]): void;
	/** The suite's per-test timeout, in ms. */
	readonly timeout: number;
	/** The same registration with a per-test timeout of `ms`. */
	within(ms: number): Register;
}
