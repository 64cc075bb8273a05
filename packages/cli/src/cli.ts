#!/usr/bin/env node
import { run } from "./run.js";

const code = await run(process.argv.slice(2), {
	stdin: process.stdin,
	stdout: process.stdout,
	stderr: process.stderr,
	env: process.env,
	cwd: process.cwd(),
});
// Exit explicitly: a driver may keep a handle open after close. Output was flushed by run().
process.exit(code);
