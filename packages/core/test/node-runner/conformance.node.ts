// The conformance suite under Node's own test runner, the way a backend author who does not use
// vitest runs it:
//   node --test --conditions=@x/source --import tsx packages/core/test/node-runner/conformance.node.ts
// node-runner.test.ts runs this and checks the counts.
import { afterEach, beforeEach, describe, it } from "node:test";
import { runConformanceSuite } from "../../src/testing/index.js";
import { harnesses } from "./harnesses.js";

for (const harness of harnesses)
	runConformanceSuite({ describe, it, beforeEach, afterEach }, harness);
