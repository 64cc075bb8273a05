// A small Hrana-over-HTTP server (protocol v2, JSON) backed by a real SQLite file through
// better-sqlite3: enough of the protocol for the real @libsql/client to run against it over
// real HTTP. Each stream (baton) has its own connection, so interactive transactions work.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";

type HranaValue =
	| { type: "null" }
	| { type: "integer"; value: string }
	| { type: "float"; value: number }
	| { type: "text"; value: string }
	| { type: "blob"; base64: string };
interface Stmt {
	sql?: string;
	sql_id?: number;
	args?: HranaValue[];
	named_args?: { name: string; value: HranaValue }[];
	want_rows?: boolean;
}
type Cond =
	| { type: "ok" | "error"; step: number }
	| { type: "not"; cond: Cond }
	| { type: "and" | "or"; conds: Cond[] }
	| { type: "is_autocommit" };
interface Request {
	type: string;
	stmt?: Stmt;
	batch?: { steps: { condition?: Cond; stmt: Stmt }[] };
	sql?: string;
	sql_id?: number;
}
interface Stream {
	db: Database.Database;
	sqls: Map<number, string>;
}

class HranaError extends Error {
	constructor(
		message: string,
		readonly code: string,
	) {
		super(message);
	}
}

function fromHrana(v: HranaValue): unknown {
	switch (v.type) {
		case "null":
			return null;
		case "integer":
			return BigInt(v.value);
		case "float":
			return v.value;
		case "text":
			return v.value;
		case "blob":
			return Buffer.from(v.base64, "base64");
	}
}

function toHrana(v: unknown): HranaValue {
	if (v === null || v === undefined) return { type: "null" };
	if (typeof v === "bigint") return { type: "integer", value: v.toString() };
	if (typeof v === "number") return { type: "float", value: v };
	if (typeof v === "string") return { type: "text", value: v };
	if (v instanceof Uint8Array) return { type: "blob", base64: Buffer.from(v).toString("base64") };
	throw new HranaError(`cannot encode ${typeof v}`, "INTERNAL");
}

export interface HranaServer {
	/** `http://127.0.0.1:<port>` */
	url: string;
	/** Requests served so far (for tests that check traffic went over HTTP). */
	requests: number;
	/** Stops listening and drops every stream. */
	close(): Promise<void>;
}

export async function startHranaServer(options: {
	path: string;
	token?: string;
	port?: number;
}): Promise<HranaServer> {
	const streams = new Map<string, Stream>();
	const state = { requests: 0 };

	const openStream = (): Stream => {
		const db = new Database(options.path);
		db.defaultSafeIntegers(true);
		db.pragma("busy_timeout = 5000");
		return { db, sqls: new Map() };
	};

	const execute = (s: Stream, stmt: Stmt) => {
		const sql = stmt.sql ?? (stmt.sql_id !== undefined ? s.sqls.get(stmt.sql_id) : undefined);
		if (sql === undefined) throw new HranaError("statement has no SQL", "SQL_NOT_FOUND");
		let prepared: Database.Statement;
		try {
			prepared = s.db.prepare(sql);
		} catch (error) {
			throw sqliteError(error);
		}
		const args: unknown[] = (stmt.args ?? []).map(fromHrana);
		const named = Object.fromEntries(
			(stmt.named_args ?? []).map((a) => [a.name.replace(/^[:@$]/, ""), fromHrana(a.value)]),
		);
		const params = Object.keys(named).length > 0 ? [...args, named] : args;
		try {
			if (prepared.reader) {
				const cols = prepared.columns();
				const rows = prepared.raw(true).all(...params) as unknown[][];
				return {
					cols: cols.map((c) => ({ name: c.name, decltype: c.type })),
					rows: rows.map((r) => r.map(toHrana)),
					affected_row_count: 0,
					last_insert_rowid: null,
				};
			}
			const info = prepared.run(...params);
			return {
				cols: [],
				rows: [],
				affected_row_count: info.changes,
				last_insert_rowid: info.lastInsertRowid.toString(),
			};
		} catch (error) {
			throw sqliteError(error);
		}
	};

	const handle = (s: Stream, req: Request): unknown => {
		switch (req.type) {
			case "execute":
				return { type: "execute", result: execute(s, req.stmt as Stmt) };
			case "batch": {
				const results: unknown[] = [];
				const errors: unknown[] = [];
				const holds = (c: Cond): boolean => {
					switch (c.type) {
						case "ok":
							return results[c.step] !== null && results[c.step] !== undefined;
						case "error":
							return errors[c.step] !== null && errors[c.step] !== undefined;
						case "not":
							return !holds(c.cond);
						case "and":
							return c.conds.every(holds);
						case "or":
							return c.conds.some(holds);
						case "is_autocommit":
							return !s.db.inTransaction;
					}
				};
				for (const step of req.batch?.steps ?? []) {
					if (step.condition && !holds(step.condition)) {
						results.push(null);
						errors.push(null);
						continue;
					}
					try {
						results.push(execute(s, step.stmt));
						errors.push(null);
					} catch (error) {
						results.push(null);
						errors.push(errorBody(error));
					}
				}
				return { type: "batch", result: { step_results: results, step_errors: errors } };
			}
			case "sequence":
				try {
					s.db.exec(req.sql ?? s.sqls.get(req.sql_id as number) ?? "");
				} catch (error) {
					throw sqliteError(error);
				}
				return { type: "sequence" };
			case "describe": {
				const sql = req.sql ?? s.sqls.get(req.sql_id as number) ?? "";
				let stmt: Database.Statement;
				try {
					stmt = s.db.prepare(sql);
				} catch (error) {
					throw sqliteError(error);
				}
				// better-sqlite3 does not expose parameter names, so `params` stays empty
				return {
					type: "describe",
					result: {
						params: [],
						cols: stmt.reader
							? stmt.columns().map((c) => ({ name: c.name, decltype: c.type }))
							: [],
						is_explain: /^\s*explain\b/i.test(sql),
						is_readonly: stmt.readonly,
					},
				};
			}
			case "store_sql":
				s.sqls.set(req.sql_id as number, req.sql as string);
				return { type: "store_sql" };
			case "close_sql":
				s.sqls.delete(req.sql_id as number);
				return { type: "close_sql" };
			case "get_autocommit":
				return { type: "get_autocommit", is_autocommit: !s.db.inTransaction };
			default:
				throw new HranaError(`unknown request ${req.type}`, "INVALID");
		}
	};

	const pipeline = (body: { baton?: string | null; requests: Request[] }) => {
		let stream: Stream | undefined;
		if (body.baton) {
			stream = streams.get(body.baton);
			if (!stream) return { status: 400, json: { error: "invalid baton" } };
			streams.delete(body.baton);
		}
		stream ??= openStream();
		let closed = false;
		const results = body.requests.map((req) => {
			if (req.type === "close") {
				closed = true;
				return { type: "ok", response: { type: "close" } };
			}
			try {
				return { type: "ok", response: handle(stream as Stream, req) };
			} catch (error) {
				return { type: "error", error: errorBody(error) };
			}
		});
		let baton: string | null = null;
		if (closed) {
			if (stream.db.inTransaction) stream.db.exec("ROLLBACK");
			stream.db.close();
		} else {
			baton = randomBytes(16).toString("hex");
			streams.set(baton, stream);
		}
		return { status: 200, json: { baton, base_url: null, results } };
	};

	const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
		state.requests++;
		const reply = (status: number, json: unknown) => {
			res.writeHead(status, { "content-type": "application/json" });
			res.end(JSON.stringify(json));
		};
		if (options.token && req.headers.authorization !== `Bearer ${options.token}`)
			return reply(401, { error: "Unauthorized" });
		if (req.method === "GET" && (req.url === "/v2" || req.url === "/")) return reply(200, {});
		if (req.method !== "POST" || req.url !== "/v2/pipeline")
			return reply(404, { error: "not found" });
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			try {
				const out = pipeline(JSON.parse(Buffer.concat(chunks).toString("utf8")));
				reply(out.status, out.json);
			} catch (error) {
				reply(500, { error: String(error) });
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		get requests() {
			return state.requests;
		},
		async close() {
			for (const s of streams.values()) s.db.close();
			streams.clear();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

function sqliteError(error: unknown): HranaError {
	const e = error as { message?: string; code?: string };
	return new HranaError(e.message ?? String(error), e.code ?? "SQLITE_ERROR");
}

function errorBody(error: unknown): { message: string; code: string } {
	if (error instanceof HranaError) return { message: error.message, code: error.code };
	return { message: String(error), code: "INTERNAL" };
}
