// Bundles the page with esbuild, as an application would. The adapters and GramJS import Node
// modules on paths a page never takes (reading a StoreSession folder, TCP sockets, a tdata
// folder); in the bundle those modules are empty stand-ins, as a bundler's "browser" field would
// make them. GramJS's own `buffer` dependency is bundled for real.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
// the page's Buffer is the one GramJS itself depends on (npm's buffer), found from telegram
const fromTelegram = createRequire(createRequire(import.meta.url).resolve("telegram/package.json"));
const BUFFER = dirname(fromTelegram.resolve("buffer/package.json"));
const TELEGRAM = dirname(fromTelegram.resolve("telegram/package.json"));
const NODE_ONLY =
	/^(node:.*|fs|fs\/promises|path|os|net|tls|crypto|util|stream|events|constants|assert|child_process|worker_threads|url|http|https|zlib)$/;

// What is touched when the modules load (a class extended, util.inspect.custom read); nothing
// of it runs later in a page
const STAND_INS = {
	// GramJS names the device in initConnection from these (os-browserify's answers)
	os: "module.exports = { type: () => 'Browser', release: () => '', platform: () => 'browser', EOL: '\\n' };",
	util: "module.exports = { inspect: { custom: Symbol.for('nodejs.util.inspect.custom') } };",
	events:
		"class EventEmitter {} module.exports = EventEmitter; module.exports.EventEmitter = EventEmitter;",
	stream:
		"class Stream {} module.exports = { Stream, Duplex: class extends Stream {}, Readable: class extends Stream {}, Writable: class extends Stream {}, Transform: class extends Stream {}, PassThrough: class extends Stream {} };",
};

const nodeStandIns = {
	name: "node-stand-ins",
	setup(build) {
		// GramJS's browser build swaps Node's crypto for its own WebCrypto one, as its webpack
		// setup does
		build.onResolve({ filter: /^crypto$/ }, (args) =>
			args.importer.startsWith(TELEGRAM) ? { path: join(TELEGRAM, "crypto/crypto.js") } : undefined,
		);
		build.onResolve({ filter: NODE_ONLY }, (args) => ({
			path: args.path,
			namespace: "node-stand-in",
		}));
		build.onLoad({ filter: /.*/, namespace: "node-stand-in" }, (args) => ({
			contents: STAND_INS[args.path.replace(/^node:/, "")] ?? "module.exports = {};",
			loader: "js",
		}));
	},
};

/** Builds dist/app.js (and copies nothing else: index.html loads it). */
export async function build({ minify = true } = {}) {
	mkdirSync(join(here, "dist"), { recursive: true });
	return esbuild.build({
		entryPoints: [join(here, "src/app.ts")],
		outfile: join(here, "dist/app.js"),
		bundle: true,
		platform: "browser",
		format: "esm",
		target: "es2022",
		minify,
		sourcemap: true,
		// workspace packages from their TypeScript sources; a published install uses dist
		conditions: ["@x/source"],
		define: { "process.env.NODE_ENV": '"production"' },
		alias: { buffer: BUFFER },
		inject: [join(here, "src/buffer-global.js")],
		plugins: [nodeStandIns],
		metafile: true,
		logLevel: "warning",
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const result = await build();
	const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes;
	console.log(`dist/app.js: ${bytes} bytes`);
}
