// The whole proof that JsonFileSessionBackend keeps the SessionBackend contract: the suite gives
// each test its own session ids in one directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceSuite } from "@x/session-core/testing";
import { afterAll } from "vitest";
import { JsonFileSessionBackend } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "xs-json-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

await runConformanceSuite({
	name: "json-file",
	open: (sessionId) => JsonFileSessionBackend.open({ path: join(dir, `${sessionId}.json`) }),
});
