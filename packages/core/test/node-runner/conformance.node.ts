// The conformance suite under Node's own test runner, the way a backend author who does not use
// vitest runs it:
//   node --test --conditions=@x/source --import tsx packages/core/test/node-runner/conformance.node.ts
// node-runner.test.ts runs this and checks the counts.
import { afterEach, beforeEach, describe, it } from "node:test";
import { runConformanceSuite } from "../../src/testing/index.js";
import { harnesses } from "./harnesses.js";

// node:test's it() takes (name, options, fn): the suite's third argument, a timeout in ms, is
// left out, as Node's runner ignored it before
for (const harness of harnesses)
	runConformanceSuite(
		{
			describe,
			it: (name, fn) => void it(name, async (t) => void (await fn(t))),
			beforeEach,
			afterEach,
		},
		harness,
	);
