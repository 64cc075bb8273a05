// A real full quota: Chromium launched with a profile of its own (playwright's default contexts are
// off the record, where the quota is fixed), the origin's quota lowered to 1 MiB through the
// DevTools protocol, and a page that writes 8 MiB. The write must reject with IdbQuotaError and
// leave the stored session as it was. Runs in Node; skipped without Chromium unless
// REQUIRE_SERVICES is set.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { type BrowserContext, chromium } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (process.env.REQUIRE_SERVICES && !present)
	throw new Error(`the IndexedDB quota test needs Chromium at ${CHROMIUM}`);

let server: Server | undefined;
let context: BrowserContext | undefined;
let origin = "";
const profile = mkdtempSync(join(tmpdir(), "xs-idb-profile-"));

beforeAll(async () => {
	if (!present) return;
	const bundle = await esbuild.build({
		entryPoints: [join(import.meta.dirname, "fixtures/quota-page.ts")],
		bundle: true,
		write: false,
		platform: "browser",
		format: "esm",
		conditions: ["@x/source"],
		logLevel: "error",
	});
	const script = bundle.outputFiles[0]?.text ?? "";
	server = createServer((req, res) => {
		if (req.url === "/page.js")
			res.writeHead(200, { "content-type": "text/javascript" }).end(script);
		else
			res
				.writeHead(200, { "content-type": "text/html" })
				.end('<!doctype html><script type="module" src="/page.js"></script>');
	});
	await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ["--no-sandbox", "--disable-gpu"],
	});
}, 120_000);

afterAll(async () => {
	await context?.close();
	await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
	rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!present)("idb: over a real quota in Chromium", () => {
	it("rejects with IdbQuotaError and keeps the stored session as it was", async () => {
		const page = await (context as BrowserContext).newPage();
		await page.goto(`${origin}/`);
		await page.waitForFunction(() => "runQuota" in globalThis);
		const cdp = await (context as BrowserContext).newCDPSession(page);
		await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: 1024 * 1024 });
		const result = await page.evaluate(() =>
			(globalThis as unknown as { runQuota: () => Promise<Record<string, unknown>> }).runQuota(),
		);
		expect(result).toMatchObject({
			errorName: "IdbQuotaError",
			code: "IO",
			homeDcId: 2,
			peers: ["1"],
			keys: [],
		});
		expect(result.message).toMatch(
			/over this origin's storage quota; nothing of this write was stored/,
		);
	}, 60_000);
});
