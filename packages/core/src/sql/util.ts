export { redactSecrets } from "../redact.js";
export { keyedQueue } from "../serial-queue.js";

const ROWS_SQL = new Map<string, string>();

/**
 * `head` + `n` copies of `row` joined by ", " + `tail`, built once per shape: drivers cache
 * prepared statements by their text, and one string per shape keeps that cache small and fast.
 */
export function rowsSql(head: string, row: string, n: number, tail = ""): string {
	const key = `${n}\u0000${row}\u0000${head}\u0000${tail}`;
	let sql = ROWS_SQL.get(key);
	if (sql === undefined) {
		sql = `${head}${Array.from({ length: n }, () => row).join(", ")}${tail}`;
		if (ROWS_SQL.size < 4096) ROWS_SQL.set(key, sql);
	}
	return sql;
}
