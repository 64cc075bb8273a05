// --help with and without pnpm's `--`, and bad options refused in one line with exit code 2.
import { describeOptions } from "../../shared/options-tests.js";

describeOptions(new URL("..", import.meta.url).pathname, "src/main.ts", [
	{ args: ["--database", "x.db"], says: "--database" },
	{ args: ["--", "--db"], says: "--db" },
	{ args: ["x.db"], says: "unexpected argument" },
]);
