// Serves the example on http://127.0.0.1:8080 (PORT to change): index.html and dist/.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".map": "application/json" };

/** Starts the server on `port` (0: any free one); resolves with it and its URL. */
export function serve(port = Number(process.env.PORT ?? 8080)) {
	const server = createServer(async (req, res) => {
		const path = normalize(new URL(req.url ?? "/", "http://x").pathname).replace(
			/^(\.\.[/\\])+/,
			"",
		);
		const file = join(here, path === "/" ? "index.html" : path);
		try {
			const body = await readFile(file);
			res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
			res.end(body);
		} catch {
			res.writeHead(404).end();
		}
	});
	return new Promise((resolve) =>
		server.listen(port, "127.0.0.1", () => {
			const { port: bound } = server.address();
			resolve({ server, url: `http://127.0.0.1:${bound}/` });
		}),
	);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { url } = await serve();
	console.log(`open ${url}`);
}
