#!/usr/bin/env node
// The x-session command. A plain file that exists before the build, so that pnpm links the command
// into node_modules/.bin of a fresh checkout at install time (a bin pointing into dist/ is skipped
// there, since dist/ is only written by `pnpm build`). It runs the compiled CLI.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
	console.error("x-session: not built yet: run `pnpm build` at the repository root first");
	process.exit(1);
}
await import(cli.href);
