/**
 * Runs tasks one after another per key: `queue(key, task)` starts `task` once every task queued
 * before it under the same key has settled. Drivers use it so transactions on one database
 * never interleave inside one process.
 */
export function keyedQueue(): <T>(key: unknown, task: () => Promise<T>) => Promise<T> {
	const tails = new Map<unknown, Promise<unknown>>();
	return (key, task) => {
		const run = (tails.get(key) ?? Promise.resolve()).then(task, task);
		tails.set(
			key,
			run.catch(() => undefined),
		);
		return run;
	};
}

/** `text` with every occurrence of each secret (a password, a token) replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
	let out = text;
	for (const s of secrets) if (s.length >= 3) out = out.split(s).join("[redacted]");
	return out;
}

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
