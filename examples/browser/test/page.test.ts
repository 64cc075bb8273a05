// The bundled page in headless Chromium, offline (every request off this machine is aborted):
// the first visit logs in, a reload resumes with the same keys, a second tab is refused.
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { type Browser, chromium } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript scripts of the example, without declarations
import { build } from "../build.mjs";
// @ts-expect-error plain JavaScript scripts of the example, without declarations
import { serve } from "../serve.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const required = Boolean(process.env.REQUIRE_SERVICES);
const present = existsSync(CHROMIUM);
if (required && !present) throw new Error(`the browser example needs Chromium at ${CHROMIUM}`);

let browser: Browser | undefined;
let server: Server | undefined;
let url = "";

beforeAll(async () => {
	if (!present) return;
	await build({ minify: false });
	({ server, url } = await serve(0));
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--no-sandbox", "--disable-gpu"],
	});
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe.skipIf(!present)("examples/browser in Chromium", () => {
	it("logs in offline, resumes after a reload, and refuses a second tab", async () => {
		const context = await (browser as Browser).newContext();
		await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
		const page = await context.newPage();
		const texts = async () => ({
			gramjs: await page.textContent("#gramjs"),
			mtcute: await page.textContent("#mtcute"),
		});
		await page.goto(url);
		await page.waitForSelector("#status:text-matches('ready|failed')");
		expect(await page.textContent("#status")).toBe("ready");
		const first = await texts();
		expect(first.gramjs).toMatch(/^logged in on DC [1-5], key [0-9a-f]{8}$/);
		expect(first.mtcute).toMatch(/^logged in, key [0-9a-f]{8}$/);

		const second = await context.newPage();
		await second.goto(url);
		await second.waitForSelector("#status:text-matches('ready|another tab|failed')");
		expect(await second.textContent("#status")).toMatch(/open in another tab/);
		await second.close();

		await page.reload();
		await page.waitForSelector("#status:text-matches('ready|failed')");
		expect(await page.textContent("#status")).toBe("ready");
		const after = await texts();
		// the key is back, and the username cached at login resolves with no network
		expect(after.gramjs).toBe(
			`${first.gramjs?.replace("logged in on", "resumed on")}, @gramjs_demo is user 777000123`,
		);
		expect(after.mtcute).toBe(first.mtcute?.replace("logged in", "resumed"));
		await context.close();
	});
});
