// Migrations of the SQL layer on an in-memory SQLite database: a fresh database reaches the
// current version once; a read-only look creates nothing; a ferogram database is read in memory,
// refused for writing without `foreign`, and imported as session "default" with it; a newer
// version is refused untouched.
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SessionBackendError, UnsupportedVersionError } from "../../src/errors.js";
import { migrate, readSchema } from "../../src/sql/migrate.js";
import { RowReader } from "../../src/sql/rows.js";
import { SCHEMA_VERSION } from "../../src/sql/schema.js";
import { readSession } from "../../src/sql/session-rows.js";
import { MIGRATIONS } from "../../src/sql/sqlite-family/schema.js";
import { testAuthKey } from "../../src/testing/index.js";
import { memoryDriver } from "./memory-driver.js";
import { referenceDdl } from "./reference-database.js";

const tables = (db: Database.Database) =>
	db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();

function referenceDriver(legacy = false) {
	const d = memoryDriver();
	d.db.exec(referenceDdl(legacy));
	d.db.exec(`INSERT INTO meta VALUES ('home_dc_id', 2);
		INSERT INTO peers (id, access_hash, is_channel) VALUES (77, 770, 1)`);
	d.db
		.prepare("INSERT INTO dcs VALUES (2, 0, '1.2.3.4:443', ?, 0, 0)")
		.run(testAuthKey(2).expose());
	return d;
}

describe("SQL migrations (SQLite family)", () => {
	it("a driver naming its dialect with the old string is refused with what to pass", async () => {
		const d = Object.assign(memoryDriver(), { dialect: "postgres" as never });
		const err = await migrate(d).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(SessionBackendError);
		expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
		expect((err as Error).message).toContain("postgresDialect from @x/session-postgres");
		expect(tables(d.db)).toEqual([]);
	});

	it("every dialect step counts to SCHEMA_VERSION; a fresh database migrates once", async () => {
		expect(MIGRATIONS).toHaveLength(SCHEMA_VERSION);
		const d = memoryDriver();
		expect(await readSchema(d)).toEqual({ kind: "none" });
		expect(tables(d.db)).toEqual([]); // a read-only look created nothing
		expect(await migrate(d)).toEqual({ from: 0, to: SCHEMA_VERSION });
		expect(await migrate(d)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
		expect(d.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
		expect(await readSchema(d)).toEqual({ kind: "ours", version: SCHEMA_VERSION });
	});

	it("an older schema is brought forward, and a read-only look at it says to migrate", async () => {
		const d = memoryDriver();
		for (const step of MIGRATIONS.slice(0, 2)) for (const sql of step) d.db.exec(sql);
		d.db.pragma("user_version = 2");
		await expect(readSchema(d)).rejects.toThrow(/x-session migrate/);
		expect(await migrate(d)).toEqual({ from: 2, to: SCHEMA_VERSION });
		expect(tables(d.db)).toContain("xs_usernames");
	});

	it("a newer schema is refused, untouched", async () => {
		const d = memoryDriver();
		d.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
		for (const look of [readSchema, migrate])
			await expect(look(d)).rejects.toBeInstanceOf(UnsupportedVersionError);
		expect(tables(d.db)).toEqual([]);
	});

	for (const legacy of [false, true])
		it(`a ${legacy ? "layer-era" : "ferogram"} database: read in memory, refused without foreign, imported with it`, async () => {
			const d = referenceDriver(legacy);
			const before = tables(d.db);
			const found = await readSchema(d);
			expect(found.kind).toBe("reference");
			expect(found.kind === "reference" && found.session?.peers).toEqual([
				{ kind: "channel", id: 77n, accessHash: 770n, channelKind: null },
			]);
			const refused = await migrate(d).catch((e: unknown) => e);
			expect(refused).toBeInstanceOf(SessionBackendError);
			expect((refused as SessionBackendError).code).toBe("UNSUPPORTED");
			expect(tables(d.db)).toEqual(before);
			const result = await migrate(d, { foreign: true });
			expect(result.importedReference).toEqual({ backup: undefined }); // no backup() here
			expect(tables(d.db).filter((t) => !String(t).startsWith("xs_"))).toEqual([]);
			const s = await readSession(d, "default", new RowReader("sqlite", ":memory:"));
			expect(s?.homeDcId).toBe(2);
			expect(s?.dcs[0]?.authKey?.equals(testAuthKey(2))).toBe(true);
		});
});
