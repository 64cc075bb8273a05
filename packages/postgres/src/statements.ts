import { createHash } from "node:crypto";

/** A statement as sent to PostgreSQL: in its schema, `$1…` placeholders, and a name when it is prepared. */
export interface PreparedText {
	readonly text: string;
	/** Set for statements prepared once per connection (see {@link statementsIn}). */
	readonly name: string | undefined;
}

/** Our tables (`xs_…`) outside literals, not an index being named, not a column's table (`xs_peers.id`). */
const TABLE = /(?<![\w."$]|\bINDEX\s+|\bINDEX\s+IF\s+NOT\s+EXISTS\s+)\bxs_[a-z0-9_]+\b(?![.("$])/gi;
/** Bounds the cache: statement texts are a fixed set, but a caller's driver could run anything. */
const MAX_CACHED = 2000;

/**
 * Turns the shared layer's SQL into what one schema runs: every table of ours schema-qualified
 * and `current_schema()` that schema, so no statement depends on the connection's `search_path`
 * (a caller's pool is never `SET`); `?` placeholders numbered (our SQL has no `?` inside
 * literals). Statements that name their columns get a stable name and are prepared once per
 * connection (`SELECT *` is not: a migration adding a column would change a prepared result).
 * Results are cached by text.
 */
export function statementsIn(schema: string): (sql: string) => PreparedText {
	const quoted = `"${schema}"`;
	const literal = `'${schema}'`;
	const cache = new Map<string, PreparedText>();
	return (sql) => {
		const hit = cache.get(sql);
		if (hit) return hit;
		let n = 0;
		// single-quoted literals (E'\\n', 'xs_schema') are kept as they are
		const text = sql
			.split(/('(?:[^']|'')*')/)
			.map((part, i) =>
				i % 2 === 1
					? part
					: part
							.replace(TABLE, (table) => `${quoted}.${table}`)
							.replace(/\bcurrent_schema\(\)/g, literal)
							.replace(/\?/g, () => `$${++n}`),
			)
			.join("");
		const name = sql.includes("*")
			? undefined
			: `xs_${createHash("sha256").update(text).digest("base64url").slice(0, 22)}`;
		const made = { text, name };
		if (cache.size >= MAX_CACHED) cache.clear();
		cache.set(sql, made);
		return made;
	};
}
