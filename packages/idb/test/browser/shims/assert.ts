// node:assert/strict for the conformance suite in Chromium (vitest.browser.config.ts aliases it
// here): the few functions the suite uses, on vitest's expect.
import { expect } from "vitest";

type Check = (error: unknown) => boolean | undefined;

function ok(value: unknown, message?: string): asserts value {
	expect(Boolean(value), message).toBe(true);
}

async function rejects(
	promise: Promise<unknown> | (() => Promise<unknown>),
	check?: Check | (abstract new (...args: never[]) => unknown) | object,
	message?: string,
): Promise<void> {
	let error: unknown;
	let threw = false;
	try {
		await (typeof promise === "function" ? promise() : promise);
	} catch (e) {
		threw = true;
		error = e;
	}
	expect(threw, message ?? "expected a rejection").toBe(true);
	if (typeof check === "function") {
		if (check.prototype !== undefined && error instanceof (check as abstract new () => unknown))
			return;
		expect((check as Check)(error), message ?? String(error)).toBe(true);
	} else if (check && typeof check === "object") {
		expect(error).toMatchObject(check);
	}
}

const assert = Object.assign(ok, {
	ok,
	equal: (actual: unknown, expected: unknown, message?: string) =>
		expect(actual, message).toBe(expected),
	notEqual: (actual: unknown, expected: unknown, message?: string) =>
		expect(actual, message).not.toBe(expected),
	deepEqual: (actual: unknown, expected: unknown, message?: string) =>
		expect(actual, message).toStrictEqual(expected),
	deepStrictEqual: (actual: unknown, expected: unknown, message?: string) =>
		expect(actual, message).toStrictEqual(expected),
	fail: (message?: string): never => {
		throw new Error(message ?? "failed");
	},
	rejects,
});

export default assert;
