// Browser commands (run by vitest in Node, registered in vitest.browser.config.ts) that give a
// test a real second tab: a new page of the same browser context, on the test page's origin,
// that opens a session with @x/session-idb and holds it until the test closes the tab.
import { resolve } from "node:path";
import type { BrowserContext, Page } from "playwright";
import type { BrowserCommand } from "vitest/node";

const source = `/@fs/${resolve(import.meta.dirname, "../../src/index.ts").replace(/^\//, "")}`;
const tabs = new Map<number, Page>();
let next = 0;

interface TabArgs {
	source: string;
	database: string;
	sessionId: string;
	homeDc: number;
}

/** Opens a tab that opens `sessionId` for writing and sets its home DC; resolves with the tab's id. */
export const openWriterTab: BrowserCommand<
	[database: string, sessionId: string, homeDc: number]
> = async (ctx, database, sessionId, homeDc) => {
	// the playwright provider's context (its type augmentation is not loaded here)
	const { context, page: testPage } = ctx as unknown as { context: BrowserContext; page: Page };
	const page = await context.newPage();
	// any page of the origin will do: the module itself answers 200
	await page.goto(new URL(source, testPage.url()).href);
	await page.evaluate(
		async ({ source, database, sessionId, homeDc }: TabArgs) => {
			const { IdbSessionBackend } = await import(/* @vite-ignore */ source);
			const backend = await IdbSessionBackend.open({ database, sessionId });
			await backend.setHomeDc(homeDc);
			(globalThis as Record<string, unknown>).heldBackend = backend;
		},
		{ source, database, sessionId, homeDc },
	);
	const id = ++next;
	tabs.set(id, page);
	return id;
};

/** Closes the tab as a user would (no `close()` of its backend runs). */
export const closeTab: BrowserCommand<[id: number]> = async (_ctx, id) => {
	await tabs.get(id)?.close({ runBeforeUnload: false });
	tabs.delete(id);
};

declare module "vitest/browser" {
	interface BrowserCommands {
		openWriterTab(database: string, sessionId: string, homeDc: number): Promise<number>;
		closeTab(id: number): Promise<void>;
	}
}
