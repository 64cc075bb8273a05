// A granular write as one statement: the write runs in a data-modifying CTE that sees a row only
// while the writer holds the lease, so there is no BEGIN, lease read, session-row insert and
// COMMIT around it. The lease row is read FOR SHARE, as in a transaction: a takeover waits for
// the write, or the write (re-checking the row a takeover committed) sees the new owner.

const LEASED_FENCE = `SELECT 1 FROM xs_sessions s JOIN xs_leases l ON l.session_id = s.session_id
	WHERE s.session_id = ? AND l.owner = ? FOR SHARE OF l`;
const UNLEASED_FENCE = "SELECT 1 FROM xs_sessions WHERE session_id = ?";
const HELD = "EXISTS (SELECT 1 FROM fence)";

/** `UPDATE … SET … WHERE …` or `DELETE FROM … WHERE …` whose condition is a plain conjunction. */
const FILTERED =
	/^\s*(?:UPDATE\s+\w+\s+SET|DELETE\s+FROM\s+\w+)\s[^()]*\sWHERE\s(?:(?!\bOR\b)[^()])*$/i;
/** `INSERT INTO t (columns) VALUES (?, …)` and what follows (an upsert clause). */
const INSERTED = /^\s*INSERT\s+INTO\s+(\w+\s*\([^)]*\))\s*VALUES\s*\(([^()]*)\)([\s\S]*)$/i;

function guarded(sql: string): string | undefined {
	if (FILTERED.test(sql)) return `${sql} AND ${HELD}`;
	const insert = INSERTED.exec(sql);
	if (insert) return `INSERT INTO ${insert[1]} SELECT ${insert[2]} WHERE ${HELD}${insert[3]}`;
	return undefined;
}

const made = new Map<string, string | undefined>();
const statements = new Set<string>();

/** Whether `sql` is a statement {@link fencedWrite} made: a write committed by itself. */
export function isFencedWrite(sql: string): boolean {
	return statements.has(sql);
}

/** `Dialect.fencedWrite` for PostgreSQL (cached by text: a fixed set of statements). */
export function fencedWrite(sql: string, leased: boolean): string | undefined {
	const key = `${leased ? "L" : "U"}${sql}`;
	if (made.has(key)) return made.get(key);
	const write = guarded(sql);
	const statement =
		write &&
		`WITH fence AS (${leased ? LEASED_FENCE : UNLEASED_FENCE}), write AS (${write}) SELECT ${HELD} AS fenced`;
	if (made.size < 1000) {
		made.set(key, statement);
		if (statement) statements.add(statement);
	}
	return statement;
}
