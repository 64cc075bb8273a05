// --help with and without pnpm's `--`, and bad options refused in one line with exit code 2.
import { describeOptions } from "../../shared/options-tests.js";

describeOptions(new URL("..", import.meta.url).pathname, "src/main.ts", [
	{ args: [], says: "login or handle" },
	{ args: ["deploy"], says: "login or handle" },
	{ args: ["login", "--migrate"], says: "--migrate goes with handle" },
	{ args: ["--", "handle", "--verbose"], says: "--verbose" },
]);
