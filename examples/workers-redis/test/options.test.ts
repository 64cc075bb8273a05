// --help with and without pnpm's `--`, and bad options refused in one line with exit code 2.
import { describeOptions } from "../../shared/options-tests.js";

describeOptions(new URL("..", import.meta.url).pathname, "src/worker.ts", [
	{ args: ["--wait-ms", "soon"], says: "--wait-ms" },
	{ args: ["--", "--ticks", "1.5"], says: "--ticks" },
	{ args: ["--tick-ms", "-1"], says: "--tick-ms" },
	{ args: ["--redis", "redis://x"], says: "--redis" },
]);
