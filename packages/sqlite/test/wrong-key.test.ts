// A wrong passphrase through withEncryptedSecrets must not seal keys into an SQLite store whose
// secrets it cannot open: every row is compared byte for byte before and after the attempts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, it } from "vitest";
import { wrongPassphraseCannotWrite } from "../../core/test/wrong-key-writes.js";
import { SqliteSessionBackend } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every row of every session table but the lease, blobs as hex, from a connection of its own. */
function dumpRows(path: string): string {
	const db = new Database(path, { readonly: true });
	try {
		const tables = db
			.prepare(
				"SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'xs\\_%' ESCAPE '\\' AND name <> 'xs_leases' ORDER BY name",
			)
			.pluck()
			.all() as string[];
		const text = (v: unknown) =>
			JSON.stringify(v, (_, x) =>
				Buffer.isBuffer(x) || x instanceof Uint8Array
					? Buffer.from(x).toString("hex")
					: typeof x === "bigint"
						? `${x}n`
						: x,
			);
		// some tables are WITHOUT ROWID: rows are sorted by their text instead
		return text(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t}`).all().map(text).sort()]));
	} finally {
		db.close();
	}
}

describe("sqlite: withEncryptedSecrets with a wrong passphrase", () => {
	it("refuses every write of secrets, typed, and changes no stored byte", async () => {
		const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-wrong-key-"));
		dirs.push(dir);
		const path = join(dir, "sessions.db");
		const inner = await SqliteSessionBackend.open({ database: path });
		try {
			await wrongPassphraseCannotWrite({ inner, dump: async () => dumpRows(path) });
		} finally {
			await inner.close();
		}
	});
});
