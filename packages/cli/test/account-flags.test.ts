import { join } from "node:path";
import { decodeMtcuteString, decodePyrogramString, encodeMtcuteString } from "@x/session-convert";
import { FileSessionBackend } from "@x/session-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importMtcuteString, mtcuteStorage } from "../../mtcute/src/index.js";
import {
	buildCli,
	cleanup,
	cli,
	sampleSession,
	tempDir,
	writePyrogramFile,
	writeSessionFile,
} from "./helpers.js";

// What the account's own facts (user id, bot flag, api_id) become in the formats that hold them:
// --user-id, --bot and --api-id, a Pyrogram source's own, and what the mtcute adapter stored.

const dir = tempDir();
const { session } = sampleSession();
const file = join(dir, "bot.session");

beforeAll(() => {
	buildCli();
	writeSessionFile(file, session);
});
afterAll(() => cleanup(dir));

async function stdoutOf(args: string[]): Promise<string> {
	const r = await cli(args);
	expect(r.stderr.replace(/^x-session: warning: .*\n/gm, "")).toBe("");
	expect(r.code).toBe(0);
	return r.stdout.trim();
}

describe("pyrogram: targets", () => {
	it("--user-id, --bot and --api-id go into the string", async () => {
		const text = await stdoutOf([
			"convert",
			`file:${file}`,
			"pyrogram:",
			"--user-id",
			"5000000001",
			"--bot",
			"--api-id",
			"611335",
		]);
		expect(decodePyrogramString(text).extra).toMatchObject({
			userId: 5_000_000_001n,
			isBot: true,
			apiId: 611335,
		});
		const inspect = await cli(["inspect", `pyrogram:${text}`, "--json"]);
		expect(JSON.parse(inspect.stdout)).toMatchObject({
			userId: "5000000001",
			isBot: true,
			apiId: 611335,
		});
	});

	it("a Pyrogram file's own user id, bot flag and api_id carry over without flags", async () => {
		const path = join(dir, "pyro.session");
		await writePyrogramFile(path, { userId: 777000111, isBot: true, apiId: 94575, key: 5 });
		const text = await stdoutOf(["convert", `pyrogram:${path}`, "pyrogram:"]);
		expect(decodePyrogramString(text).extra).toMatchObject({
			userId: 777000111n,
			isBot: true,
			apiId: 94575,
		});
	});

	it("--bot and --api-id are refused where the target has no place for them; --api-id is checked", async () => {
		const bot = await cli(["convert", `file:${file}`, `file:${join(dir, "x.session")}`, "--bot"]);
		expect(bot.code).toBe(2);
		expect(bot.stderr).toContain("--bot applies to pyrogram: and mtcute: targets");
		const api = await cli(["convert", `file:${file}`, "gramjs:", "--api-id", "5"]);
		expect(api.code).toBe(2);
		expect(api.stderr).toContain("--api-id applies to pyrogram: targets");
		const bad = await cli([
			"convert",
			`file:${file}`,
			"pyrogram:",
			"--user-id",
			"5",
			"--api-id",
			"x1",
		]);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain("--api-id must be a number");
	});
});

describe("mtcute: targets", () => {
	it("--user-id with --bot writes a bot", async () => {
		const text = await stdoutOf(["convert", `file:${file}`, "mtcute:", "--user-id", "42", "--bot"]);
		expect(decodeMtcuteString(text).extra.self).toEqual({ userId: 42n, isBot: true });
		const user = await stdoutOf(["convert", `file:${file}`, "mtcute:", "--user-id", "42"]);
		expect(decodeMtcuteString(user).extra.self).toEqual({ userId: 42n, isBot: false });
	});

	it("uses the account the mtcute adapter stored (its current_user), for mtcute: and pyrogram:", async () => {
		// a file written through @x/session-mtcute, holding a bot's current_user
		const path = join(dir, "mtcute-bot.session");
		const storage = mtcuteStorage(await FileSessionBackend.open({ path }));
		const one = sampleSession().session;
		one.dcs = one.dcs.slice(0, 1);
		await importMtcuteString(
			encodeMtcuteString(one, { self: { userId: 6_100_200_300n, isBot: true } }),
			storage,
		);
		await storage.destroy();

		const text = await stdoutOf(["convert", `file:${path}`, "mtcute:"]);
		expect(decodeMtcuteString(text).extra.self).toEqual({ userId: 6_100_200_300n, isBot: true });
		const pyro = await stdoutOf(["convert", `file:${path}`, "pyrogram:"]);
		expect(decodePyrogramString(pyro).extra).toMatchObject({ userId: 6_100_200_300n, isBot: true });
		// the flags still win
		const over = await stdoutOf(["convert", `file:${path}`, "mtcute:", "--user-id", "9"]);
		expect(decodeMtcuteString(over).extra.self).toEqual({ userId: 9n, isBot: true });
	});
});
