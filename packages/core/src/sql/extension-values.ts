import { SecretBytes } from "../secret.js";
import type { SqlExecutor, SqlValue } from "./driver.js";
import type { RowReader } from "./rows.js";

// Extension values in the SQL backends: xs_extensions, one row per (session, key) holding the
// bytes a client adapter stores beside the session (the same statements in every dialect).

const ROWS_PER_STATEMENT = 500;

/** Every extension value of a session. */
export async function readExtensions(
	db: SqlExecutor,
	sessionId: string,
	r: RowReader,
): Promise<Map<string, SecretBytes>> {
	const rows = await db.all("SELECT key, value FROM xs_extensions WHERE session_id = ?", [
		sessionId,
	]);
	return new Map(
		rows.map((row) => [
			r.text(row, "key"),
			new SecretBytes(r.blob(row, "value") ?? new Uint8Array()),
		]),
	);
}

function chunks<T>(items: readonly T[]): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT)
		out.push(items.slice(i, i + ROWS_PER_STATEMENT));
	return out;
}

/** Writes every extension value of a session whose rows were just deleted. */
export async function insertExtensions(
	tx: SqlExecutor,
	sessionId: string,
	values: ReadonlyMap<string, SecretBytes>,
): Promise<void> {
	const rows = [...values].map(([k, v]): SqlValue[] => [sessionId, k, v.expose()]);
	for (const part of chunks(rows))
		await tx.run(
			`INSERT INTO xs_extensions (session_id, key, value) VALUES ${part.map(() => "(?, ?, ?)").join(", ")}`,
			part.flat(),
		);
}

export const UPSERT_EXTENSION = `INSERT INTO xs_extensions (session_id, key, value) VALUES (?, ?, ?)
	ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value`;

export const DELETE_EXTENSION = "DELETE FROM xs_extensions WHERE session_id = ? AND key = ?";

/** Reads of one value, or of the keys, without reading the whole session. */
export const extensionLookups = {
	async extension(
		db: SqlExecutor,
		sessionId: string,
		r: RowReader,
		key: string,
	): Promise<SecretBytes | null> {
		const [row] = await db.all("SELECT value FROM xs_extensions WHERE session_id = ? AND key = ?", [
			sessionId,
			key,
		]);
		return row ? new SecretBytes(r.blob(row, "value") ?? new Uint8Array()) : null;
	},

	async extensionKeys(
		db: SqlExecutor,
		sessionId: string,
		r: RowReader,
		prefix: string,
	): Promise<string[]> {
		const rows = await db.all("SELECT key FROM xs_extensions WHERE session_id = ?", [sessionId]);
		// filtered and sorted here: SQL collations differ between SQLite and PostgreSQL
		return rows
			.map((row) => r.text(row, "key"))
			.filter((k) => k.startsWith(prefix))
			.sort();
	},
};
